"""Documents for the enrichment tests: the seed page's two real speeches, and small texts, segmented
by the same engine the pipeline uses by default."""

from __future__ import annotations

from pathlib import Path

from wenji.tasks.records import Doc, PageMeta, Sentence
from wenji.tasks.segment import get_segmenter, segment_doc
from wenji.tasks.settings import SegmentConfig

DATA = Path(__file__).parent / "data"
WENMING = "speech_wenming_chengshi.txt"
XUNCHA = "speech_xuncha.txt"


def make_doc(paragraphs: list[str], url: str = "https://fanwen.example/a.html", title: str = "") -> Doc:
    meta = PageMeta(
        url=url, title=title, published_at=None, category_path=[], tags=[], site_name=None, language="zh"
    )
    return Doc(url=url, part_no=0, title=title, paragraphs=paragraphs, meta=meta)


def segmented(
    paragraphs: list[str], url: str = "https://fanwen.example/a.html"
) -> tuple[Doc, list[Sentence]]:
    doc = make_doc(paragraphs, url)
    return doc, segment_doc(doc, get_segmenter(SegmentConfig(engine="rjieba")))


def speech(name: str) -> tuple[Doc, list[Sentence]]:
    """A seed speech: its first line is the title, the rest its paragraphs."""
    title, *paragraphs = (DATA / name).read_text(encoding="utf-8").splitlines()
    doc = make_doc(paragraphs, url=f"https://fanwen.example/{name}", title=title)
    return doc, segment_doc(doc, get_segmenter(SegmentConfig(engine="rjieba")))
