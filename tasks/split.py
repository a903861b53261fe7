"""Split a page that holds several documents (two speeches, 篇一/篇二 范文) into one document per piece.

Splitting needs strong evidence, never just a heading:
- a title-like line (short, unpunctuated, not an outline item) followed within two short lines by a
  salutation ("同志们：", "各位领导、同志们：", "尊敬的各位来宾："), or
- a numbered-piece marker ("篇一：2024年工作总结", "【范文二】").
With fewer than two pieces the page stays one document under the page title, text untouched.
With two or more, each piece is titled by its own title line, which is not repeated in its text (the text
of a speech starts at its salutation, or at the speaker/date lines between title and salutation).
Text before the first piece is dropped when it is a short page intro, else kept as its own document under
the page title. Known misses: speeches without a salutation, and pieces separated only by a heading.
"""

from __future__ import annotations

from dataclasses import dataclass

from wenji.tasks import extract_rules as R
from wenji.tasks.clean import is_body_text, is_salutation, is_title_like


@dataclass(slots=True, frozen=True)
class _PieceStart:
    index: int  # first paragraph of the piece (its title line or marker)
    title: str | None  # None: use the page title
    text_from: int  # first paragraph of the piece's text
    anchor: int  # last paragraph of the evidence (the salutation); no new piece starts before it


def _salutation_piece(paragraphs: list[str], i: int) -> _PieceStart | None:
    """A title line at `i` whose salutation follows after at most a speaker/date line or two."""
    if not is_title_like(paragraphs[i]):
        return None
    for j in range(i + 1, min(len(paragraphs), i + 2 + R.TITLE_TO_SALUTATION_MAX_GAP)):
        if is_salutation(paragraphs[j]):
            return _PieceStart(index=i, title=paragraphs[i], text_from=i + 1, anchor=j)
        if len(paragraphs[j]) > R.GAP_LINE_MAX_CHARS or is_body_text(paragraphs[j]):
            return None
    return None


def _numbered_piece(paragraphs: list[str], i: int) -> _PieceStart | None:
    """ "篇一：2024年工作总结" (title on the marker line) or "【篇一】" followed by a title line."""
    m = R.NUMBERED_PIECE_RE.match(paragraphs[i])
    if m is None:
        return None
    own = m["title"].strip()
    if own and is_title_like(own):
        return _PieceStart(index=i, title=own, text_from=i + 1, anchor=i)
    if not own and i + 1 < len(paragraphs) and is_title_like(paragraphs[i + 1]):
        return _PieceStart(index=i, title=paragraphs[i + 1], text_from=i + 2, anchor=i + 1)
    return _PieceStart(index=i, title=None, text_from=i + 1, anchor=i) if not own else None


def find_piece_starts(paragraphs: list[str]) -> list[_PieceStart]:
    starts: list[_PieceStart] = []
    for i in range(len(paragraphs)):
        if starts and i <= starts[-1].anchor:
            continue
        start = _numbered_piece(paragraphs, i) or _salutation_piece(paragraphs, i)
        if start is not None:
            starts.append(start)
    return starts


def split_documents(title: str, paragraphs: list[str]) -> list[tuple[str, list[str]]]:
    """Cleaned paragraphs -> [(doc_title, paragraphs)], one entry per document on the page."""
    starts = find_piece_starts(paragraphs)
    if len(starts) < 2:
        return [(title, paragraphs)]
    docs: list[tuple[str, list[str]]] = []
    preamble = paragraphs[: starts[0].index]
    if sum(len(p) for p in preamble) >= R.PREAMBLE_MIN_CHARS:
        docs.append((title, preamble))
    for start, nxt in zip(starts, [*starts[1:], None], strict=True):
        end = nxt.index if nxt is not None else len(paragraphs)
        body = paragraphs[start.text_from : end]
        if body:
            docs.append((start.title or title, body))
    return docs
