"""Typo check for the held-out gold texts: every gold line must occur in its page's visible text.

    python bench/extraction/holdout/check_gold.py

Pages are decoded with the encoding recorded in devset.json (not with wenji's decoder, so a decoding bug in
wenji cannot hide a gold typo), scripts/styles/templates are dropped, and both sides are compared with all
whitespace removed (table rows in the gold are cells joined by spaces; on the page they are separate cells).
Exit status 1 if any line is missing.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parents[3]
DEVSET = Path(__file__).resolve().parent / "devset.json"
WHITESPACE = re.compile(r"\s+")


def page_text(path: Path, encoding: str) -> str:
    codec = encoding.split()[0]  # "gbk (no declaration)" -> "gbk"
    tree = LexborHTMLParser(path.read_bytes().decode(codec))
    tree.strip_tags(["script", "style", "template", "noscript"])
    return WHITESPACE.sub("", tree.body.text(separator="") if tree.body else "")


def main() -> int:
    missing = 0
    for entry in json.loads(DEVSET.read_text(encoding="utf-8")):
        text = page_text(ROOT / entry["page"], entry["encoding"])
        gold = (ROOT / entry["gold"]).read_text(encoding="utf-8").splitlines()
        bad = [line for line in gold if line.strip() and WHITESPACE.sub("", line) not in text]
        missing += len(bad)
        chars = sum(ch.isalnum() for line in gold for ch in line)
        print(f"{Path(entry['page']).name:32} {entry['encoding']:24} {chars:5} chars  {len(bad)} missing")
        for line in bad:
            print(f"    MISSING: {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
