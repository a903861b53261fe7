"""Typed records that travel between the steps.

Every step is a plain function over a batch that returns a `StepResult`: the good items, the rejected
ones as `ErrorRecord`s with a reason from a closed set, and counters. Steps never raise for one bad item.
Records are plain slotted dataclasses so that they pickle cheaply into worker processes; per-token data
travels as one list of words and one list of tags per sentence, never as one object per token.
"""

from __future__ import annotations

import hashlib
import operator
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, Literal, TypeVar

Stage = Literal["resolve", "fetch", "decode", "extract", "clean", "segment", "enrich", "load"]

T = TypeVar("T")

_words = operator.attrgetter("words")


def stable_id(*parts: str | int) -> str:
    """A short, stable key: the same inputs give the same id on every run and machine."""
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=8).hexdigest()


def page_id_for(url: str) -> str:
    """`page_id` is the hash of the normalised URL (the caller normalises)."""
    return stable_id(url)


def doc_id_for(url: str, part_no: int) -> str:
    """`doc_id` is the hash of (normalised URL, part number): one page may hold several documents."""
    return stable_id(url, part_no)


def content_hash(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


@dataclass(slots=True, frozen=True)
class ErrorRecord:
    """One thing that went wrong with one input, recorded in the `errors` table.

    `kind` is a short reason code from a closed set, e.g. `fetch_http_500`, `fetch_timeout`,
    `fetch_not_html`, `decode_failed`, `extract_empty`; `message` says it in words a user can act on.
    """

    url: str
    stage: Stage
    kind: str
    message: str


@dataclass(slots=True)
class StepResult(Generic[T]):
    """What every step returns: good items, rejected items with reasons, and counters."""

    items: list[T] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)

    def reject(self, url: str, stage: Stage, kind: str, message: str) -> None:
        self.errors.append(ErrorRecord(url=url, stage=stage, kind=kind, message=message))
        self.counters[f"dropped_{kind}"] += 1


@dataclass(slots=True, frozen=True)
class SourceItem:
    """One thing to fetch: a URL (http/https) or a local file standing for a URL."""

    url: str  # normalised URL; for local files the recovered URL or a file:// URL
    path: str | None = None  # set when the page is read from disk instead of the network
    # From the sitemap's <lastmod>: the latest moment the page can have changed (see sources.lastmod_bound).
    changed_by: datetime | None = None


@dataclass(slots=True, frozen=True)
class Page:
    """A fetched (or read) page, decoded.

    `body` keeps the raw bytes so that a later reprocess needs no network; `text` is the decoded HTML.
    """

    url: str  # normalised request URL: the page's identity
    final_url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    text: str
    encoding: str  # codec actually used, e.g. "gb18030", "utf-8"
    encoding_source: str  # "header" | "bom" | "meta" | "detected" | "default"
    bad_bytes: int  # bytes that could not be decoded and were replaced
    content_hash: str
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None

    @property
    def page_id(self) -> str:
        return page_id_for(self.url)


@dataclass(slots=True, frozen=True)
class GovInfo:
    """The 政府信息公开 metadata table printed above a government notice (tasks/gov_info.py).

    Each field is the value cell as printed, None when the page has no such label. Researchers filter
    official documents by issuer and document number; the table's labels vary by CMS (发布机构 / 发文机关,
    文号 / 发文字号), the fields do not.
    """

    index_no: str | None = None  # 索引号, e.g. "000014349/2018-00222"
    issuer: str | None = None  # 发布机构 / 发文机关
    doc_no: str | None = None  # 文号 / 发文字号, e.g. "国发〔2018〕43号"
    written_at: date | None = None  # 成文日期 (生成日期 when only that is printed)
    published_at: date | None = None  # 发布日期 / 公开日期
    topic: str | None = None  # 主题分类 (信息分类 when only that is printed)
    validity: str | None = None  # 有效性, e.g. "有效"


@dataclass(slots=True, frozen=True)
class PageMeta:
    """Page-level metadata found by extraction, shared by every document cut from the page."""

    url: str
    title: str
    published_at: datetime | None
    category_path: list[str]
    tags: list[str]
    site_name: str | None
    language: str | None
    gov_info: GovInfo | None = None  # the 政府信息公开 table, on government notices that print one


@dataclass(slots=True, frozen=True)
class Doc:
    """One document: a page, or one piece of a page that holds several (e.g. two speeches)."""

    url: str
    part_no: int  # 0-based within the page
    title: str
    paragraphs: list[str]  # cleaned, one paragraph per entry
    meta: PageMeta

    @property
    def doc_id(self) -> str:
        return doc_id_for(self.url, self.part_no)

    @property
    def page_id(self) -> str:
        return page_id_for(self.url)

    @property
    def text(self) -> str:
        """The document text: paragraphs joined by newlines. Offsets elsewhere index into this string."""
        return "\n".join(self.paragraphs)


@dataclass(slots=True, frozen=True)
class Sentence:
    """One sentence with its tokens. `start`/`end` are character offsets into `Doc.text`."""

    paragraph_no: int
    sentence_no: int  # 0-based within the document
    start: int
    end: int
    text: str
    words: list[str]
    pos: list[str]


@dataclass(slots=True, frozen=True)
class Keyword:
    word: str
    weight: float
    method: str  # "tfidf" | "textrank"


@dataclass(slots=True, frozen=True)
class Entity:
    """A person, place, organisation or meeting named in a document, with its number of mentions."""

    text: str
    kind: str  # "person" | "place" | "org" | "meeting"
    count: int
    first_sentence_no: int


@dataclass(slots=True, frozen=True)
class Term:
    """A formulation: a quoted phrase (“三洗六见一红旗”), a numeric slogan (五个三) or a parallel series
    (不敢腐、不能腐、不想腐), with its number of occurrences and the sentence where it first appears."""

    text: str
    kind: str  # "quoted" | "numeric" | "series"
    count: int
    first_sentence_no: int


@dataclass(slots=True, frozen=True)
class Heading:
    """One heading of a document's outline (一、 / （一） / 1. / 第一个方面 / 一要 / 一是 …)."""

    heading_no: int  # 0-based in document order
    level: int  # 1 = top
    style: str  # marker family, e.g. "cn_dun" for 一、, "shi" for 一是
    marker: str  # the marker as written, e.g. "二、", "第三个方面："
    text: str
    paragraph_no: int
    parent_no: int | None  # heading_no of the enclosing heading
    run_in: bool  # body text follows the heading in the same paragraph


@dataclass(slots=True, frozen=True)
class Placeholder:
    """A template slot left in a 范文 text (X, XX, 20XX, ○○, X同志, 某某); offsets index into `Doc.text`."""

    text: str
    kind: str  # "year" | "person" | "slot"
    start: int
    end: int


@dataclass(slots=True, frozen=True)
class ProcessedDoc:
    """A document after segmentation and enrichment: what the load step turns into rows."""

    doc: Doc
    sentences: list[Sentence]
    keywords: list[Keyword]
    entities: list[Entity] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    outline: list[Heading] = field(default_factory=list)
    # Per paragraph: the heading_nos of the sections it is in, outermost first.
    section_paths: list[list[int]] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    doc_type: str = "其他"

    @property
    def n_tokens(self) -> int:
        return sum(map(len, map(_words, self.sentences)))  # in C: one batch has ~50,000 sentences
