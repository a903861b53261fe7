# `make run`: set up and run the main job on the bundled sample site. `make test`: set up and run the tests
# (installs only the Python packages of pyproject.toml into .venv). `make test-browser`: the headless-browser test,
# which may install Chromium with apt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-browser lint bench bench-large bench-slowhost bench-queries bench-extraction bench-extraction-holdout bench-segmentation chromium clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/wenji demo

# The report's browser test opens the HTML in headless Chromium: Debian's package (and CJK fonts for its
# screenshot), installed only when missing and when we may (root). Only `make test-browser` installs it: `make test`
# installs nothing outside .venv (without Chromium, that one test is skipped).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; } \
			|| echo "could not install chromium: the browser test will be skipped"; \
	fi

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-browser: $(STAMP) chromium
	$(BIN)/python -m pytest tests/integration/test_report.py -k chromium

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# End-to-end pipeline over synthetic corpora of 1,000 and 10,000 pages (first run, re-run, bare jieba; a few
# minutes), and over 100,000 pages (about an hour on 2 cores). Tables on stdout, numbers in bench/results/.
bench: $(STAMP)
	$(BIN)/python bench/pipeline.py --sizes 1000 10000

bench-large: $(STAMP)
	$(BIN)/python bench/pipeline.py --sizes 100000 --out bench/results/pipeline-100000.json

# Slow-host scenario (issue 15): 800 pages over 127.0.0.1-4, with and without 8 URLs that never answer.
bench-slowhost: $(STAMP)
	$(BIN)/python bench/slowhost.py --sizes 800

# Views, macros and report queries timed over a synthetic 100,000-document corpus (a few minutes).
bench-queries: $(STAMP)
	$(BIN)/python bench/queries/run.py

# Main-text extraction scored against hand-written gold texts: wenji vs trafilatura vs bare <body> (seconds).
bench-extraction: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/extraction/score.py

# The same scoring on the held-out pages (bench/extraction/holdout/), which no extraction rule is tuned on.
bench-extraction-holdout: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/extraction/score.py --devset bench/extraction/holdout/devset.json \
		--out bench/results/extraction-holdout.json

# Segmentation, tagging and enrichment per engine next to bare jieba, over the sample site's text (~4 min).
bench-segmentation: $(STAMP)
	$(BIN)/python bench/segmentation.py

clean:
	rm -rf $(VENV) data/wenji.duckdb
