"""Evaluation gate: extract + clean + split over every annotated page in tests/corpus/pages.

Like trafilatura's eval gate, every annotation is a check; the test for a page fails on the first broken
check, and `test_corpus_score` pins the overall floor so that a regression anywhere is visible at once.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from wenji.tasks.clean import clean_paragraphs, is_punctuation_only
from wenji.tasks.extract import extract_html
from wenji.tasks.split import split_documents

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
ANNOTATIONS: dict[str, dict] = json.loads((CORPUS / "annotations.json").read_text(encoding="utf-8"))
# Strings that no document may ever contain, whatever the page (the acceptance list).
NEVER = ("相关热词搜索", "Copyright", "ICP", "当前位置")
MIN_PAGES = 8
SCORE_FLOOR = 1.0  # every check passes today; lower it only with a written reason


def run_page(name: str) -> tuple[object, list[tuple[str, list[str]]]]:
    note = ANNOTATIONS[name]
    html = (CORPUS / "pages" / name).read_text(encoding="utf-8")
    extracted = extract_html(html, note["url"])
    if extracted is None:
        return None, []
    return extracted.meta, split_documents(extracted.meta.title, clean_paragraphs(extracted.paragraphs))


def checks(name: str) -> list[tuple[str, bool]]:
    """(description, passed) for every annotation of one page."""
    note = ANNOTATIONS[name]
    meta, docs = run_page(name)
    texts = ["\n".join(paras) for _, paras in docs]
    joined = "\n".join(texts)
    out = [(f"{len(docs)} documents, expected {len(note['titles'])}", len(docs) == len(note["titles"]))]
    out.append((f"titles {[t for t, _ in docs]}", [t for t, _ in docs] == note["titles"]))
    out += [(f"contains {p!r}", p in joined) for p in note["must_contain"]]
    out += [(f"lacks {p!r}", p not in joined) for p in [*note["must_not_contain"], *NEVER]]
    out += [(f"no punctuation-only line in {t!r}", not any(map(is_punctuation_only, ps))) for t, ps in docs]
    if meta is not None:
        expected = note["published_at"]
        out.append(
            (
                f"published_at {meta.published_at} == {expected}",
                meta.published_at == (datetime.fromisoformat(expected) if expected else None),
            )
        )
        if "category_path" in note:
            out.append((f"category_path {meta.category_path}", meta.category_path == note["category_path"]))
        out += [(f"tag {t!r} in {meta.tags}", t in meta.tags) for t in note.get("tags_include", [])]
    for (title, paras), start in zip(docs, note.get("doc_must_start", []), strict=False):
        out.append((f"{title!r} starts with {start!r}", bool(paras) and paras[0] == start))
    return out


def test_corpus_has_enough_pages() -> None:
    pages = sorted(p.name for p in (CORPUS / "pages").glob("*.html"))
    assert len(pages) >= MIN_PAGES
    assert pages == sorted(ANNOTATIONS), "every page needs an annotation and every annotation a page"


@pytest.mark.parametrize("name", sorted(ANNOTATIONS))
def test_page(name: str) -> None:
    failed = [desc for desc, ok in checks(name) if not ok]
    assert not failed, f"{name}: {failed}"


def test_corpus_score() -> None:
    results = [ok for name in ANNOTATIONS for _, ok in checks(name)]
    assert sum(results) / len(results) >= SCORE_FLOOR
