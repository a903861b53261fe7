"""Score main-text extraction on the development set: wenji vs trafilatura vs the bare text of `<body>`.

    python bench/extraction/score.py            # make bench-extraction
    make bench-extraction-holdout               # --devset/--out: the held-out set, see below

The held-out set `bench/extraction/holdout/devset.json` (same entry format, results in
`bench/results/extraction-holdout.json`) is scored the same way; no rule is tuned on it.

The development set is `bench/extraction/devset.json`: a list of {page, gold, template, encoding?} entries,
paths relative to the repository root. Gold texts are hand-written main text: what a reader would copy as
"the article", without navigation, related lists, comments, share bars, footers.

Metric: precision, recall and F1 over the *bag of characters* (a multiset) of CJK ideographs and
ASCII/full-width letters and digits, so whitespace, punctuation and line breaks (which extractors
and gold writers render differently) do not count, while every missing or extra character of content
does. Characters rather than jieba words: no segmenter inside the measurement (jieba would split differently
around boilerplate joins). Being a bag, it does not see order: a page
whose paragraphs come out shuffled scores 1.0.

wenji is called through its CLI interface (`wenji extract FILE --format json`, in process with click's
CliRunner); all documents' texts of a page are joined. Document titles are not included (they are metadata,
as trafilatura's title is), so a gold text that holds in-body titles (the seed page's two speeches) costs
wenji a few characters of recall. trafilatura gets the decoded page (`tasks.decode.decode_html`) with
include_comments=False, since the gold leaves comments out; otherwise its defaults. Time per page is wall time
of one call, after one warm-up call per system (imports and lazy set-up are not counted).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "bench" / "extraction" / "devset.json"
RESULTS = ROOT / "bench" / "results" / "extraction.json"


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


def _counts(text: str) -> Counter[str]:
    """The bag of content characters: letters (CJK ideographs included) and digits, width-normalised."""
    # NFKC folds full-width Ａ１ to A1, so width differences between gold and output are not errors.
    return Counter(ch.lower() for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


def score_text(extracted: str, gold: str) -> Score:
    """Precision, recall and F1 of the extracted text's character bag against the gold's."""
    got, want = _counts(extracted), _counts(gold)
    overlap = sum((got & want).values())
    n_got, n_want = sum(got.values()), sum(want.values())
    precision = overlap / n_got if n_got else (1.0 if not n_want else 0.0)
    recall = overlap / n_want if n_want else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1)


def gold_text(raw: str) -> str:
    """Gold main text from a gold file: a plain text, or a sample-site article source (a header, a `---`
    line, then the body, with `## ` marking headings), whose body is exactly the page's main text."""
    lines = raw.splitlines()
    if "---" in lines:
        lines = lines[lines.index("---") + 1 :]
    return "\n".join(line.strip().removeprefix("## ") for line in lines)


def _wenji(path: Path) -> str:
    from click.testing import CliRunner

    from wenji.flows.cli import main

    result = CliRunner().invoke(main, ["extract", str(path), "--format", "json"])
    docs = json.loads(result.stdout.splitlines()[0])["documents"] if result.stdout.strip() else []
    return "\n".join(d["text"] for d in docs)


def _decoded(path: Path) -> str:
    from wenji.tasks.decode import decode_html

    return decode_html(path.read_bytes(), None).text


def _trafilatura(path: Path) -> str:
    import trafilatura

    return trafilatura.extract(_decoded(path), include_comments=False) or ""


def _body(path: Path) -> str:
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(_decoded(path)).body
    return body.text(separator="\n") if body is not None else ""


SYSTEMS: dict[str, Callable[[Path], str]] = {"wenji": _wenji, "trafilatura": _trafilatura, "body": _body}


def run(devset: Path, systems: list[str]) -> dict:
    entries = json.loads(devset.read_text(encoding="utf-8"))
    pages = []
    for name in systems:
        SYSTEMS[name](ROOT / entries[0]["page"])  # warm-up: imports, jieba/dictionary loading, caches
    for entry in entries:
        page, gold = ROOT / entry["page"], gold_text((ROOT / entry["gold"]).read_text(encoding="utf-8"))
        row = {"page": entry["page"], "template": entry["template"], "systems": {}}
        for name in systems:
            start = time.perf_counter()
            text = SYSTEMS[name](page)
            seconds = time.perf_counter() - start
            row["systems"][name] = {**asdict(score_text(text, gold)), "seconds": seconds}
        pages.append(row)
    means = {
        name: {
            key: statistics.fmean(p["systems"][name][key] for p in pages)
            for key in ("precision", "recall", "f1", "seconds")
        }
        for name in systems
    }
    return {
        "pages": len(pages),
        "templates": len({p["template"] for p in pages}),
        "metric": "bag of CJK/alphanumeric characters (NFKC), whitespace and punctuation ignored",
        "mean": means,
        "per_page": pages,
    }


def markdown(result: dict) -> str:
    systems = list(result["mean"])
    head = "| page | template | " + " | ".join(f"{s} P / R / F1" for s in systems) + " |"
    lines = [head, "|---|---|" + "---:|" * len(systems)]

    def cell(s: dict) -> str:
        return f"{s['precision']:.3f} / {s['recall']:.3f} / **{s['f1']:.3f}**"

    for p in result["per_page"]:
        name = p["page"].removeprefix("bench/extraction/").removeprefix("holdout/").removeprefix("pages/")
        name = name.removeprefix("examples/site/")
        lines.append(
            f"| {name} | {p['template']} | " + " | ".join(cell(p["systems"][s]) for s in systems) + " |"
        )
    lines.append("| **mean** | | " + " | ".join(cell(result["mean"][s]) for s in systems) + " |")
    lines.append(
        "| ms per page | | " + " | ".join(f"{result['mean'][s]['seconds'] * 1000:.1f}" for s in systems)
    )
    lines[-1] += " |"
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=DEVSET)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    args = parser.parse_args(argv)
    result = run(args.devset, args.systems)
    print(markdown(result))
    print(f"\n{result['pages']} pages, {result['templates']} templates")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
