"""MinHash fingerprints and corpus near-duplicate groups, on the seed speeches and edited copies."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from enrich_fixtures import WENMING, XUNCHA, segmented, speech

from wenji.tasks.db import migrate, open_db
from wenji.tasks.enrich import fingerprint as fp
from wenji.tasks.enrich.duplicates import find_duplicates, group_near_duplicates
from wenji.tasks.enrich.fingerprint import NUM_PERM, fingerprint, similarity


def edited_copy(paragraphs: list[str]) -> list[str]:
    """Another portal's copy: its own header line, two changed sentences, one paragraph dropped."""
    copy = ["来源：某某公文网 发布时间：2021-03-02", *paragraphs]
    copy[4] = copy[4].replace("时间不等人。", "时间已经非常紧迫，容不得半点懈怠。")
    copy[10] = copy[10].replace("长跑冲刺靠的是毅力", "冲刺阶段拼的是毅力")
    del copy[20]
    return copy


@pytest.fixture(scope="module")
def signatures() -> dict[str, tuple[tuple[int, ...], int]]:
    wenming_doc, wenming = speech(WENMING)
    _, xuncha = speech(XUNCHA)
    _, copy = segmented(edited_copy(wenming_doc.paragraphs))
    return {"wenming": fingerprint(wenming), "copy": fingerprint(copy), "xuncha": fingerprint(xuncha)}


def sig(values: tuple[int, ...]) -> np.ndarray:
    return np.array(values, dtype=np.uint32)


def test_signatures_are_stable_and_estimate_similarity(signatures) -> None:
    wenming, n = signatures["wenming"]
    assert len(wenming) == NUM_PERM and n > 2000
    assert fingerprint(speech(WENMING)[1])[0] == wenming  # same text, same signature
    assert similarity(sig(wenming), sig(signatures["copy"][0])) >= 0.8
    assert similarity(sig(wenming), sig(signatures["xuncha"][0])) < 0.1


def test_text_without_words_has_no_signature() -> None:
    assert fingerprint(segmented(["。。。！！"])[1]) == ((), 0)


def test_a_batch_fingerprints_each_document_as_alone() -> None:
    # Between two speeches: no words, fewer words than a shingle (padded), exactly one shingle.
    short = ["。。。！！", "会议。", "召开 会议 。", "我们召开全体会议。"]  # 0, 1, 2 and 3 words
    docs = [speech(WENMING)[1], *(segmented([text])[1] for text in short), speech(XUNCHA)[1]]
    tokens = [[w for s in sentences for w in s.words] for sentences in docs]
    rows, n_shingles = fp.signatures(
        fp.word_hashes(w for ws in tokens for w in ws), np.array(list(map(len, tokens)))
    )
    alone = [fingerprint(sentences) for sentences in docs]
    assert [tuple(row) for row in rows.tolist()] == [sig for sig, _ in alone if sig]
    assert n_shingles.tolist() == [n for _, n in alone] and n_shingles.tolist()[1:5] == [0, 1, 1, 1]


def test_copy_is_grouped_and_the_other_speech_is_not(signatures) -> None:
    ids = ["wenming", "copy", "xuncha"]
    rows, checked = group_near_duplicates(
        ids,
        np.array([signatures[i][1] for i in ids]),
        np.array([signatures[i][0] for i in ids], dtype=np.uint32),
    )
    assert checked >= 1
    assert {r.doc_id for r in rows} == {"wenming", "copy"}
    rep = next(r for r in rows if r.is_representative)
    assert rep.group_id == rep.doc_id and rep.similarity_to_representative == 1.0
    other = next(r for r in rows if not r.is_representative)
    assert other.group_id == rep.doc_id and 0.8 <= other.similarity_to_representative < 1.0
    # Without dates the longer text represents the group (the copy dropped a paragraph); with dates the
    # one published first does.
    assert signatures["wenming"][1] > signatures["copy"][1] and rep.doc_id == "wenming"
    dated, _ = group_near_duplicates(
        ids,
        np.array([signatures[i][1] for i in ids]),
        np.array([signatures[i][0] for i in ids], dtype=np.uint32),
        published=[datetime(2021, 3, 2), datetime(2020, 7, 1), None],
    )
    assert [r.doc_id for r in dated if r.is_representative] == ["copy"]


def test_duplicates_step_replaces_groups_in_the_database(signatures, tmp_path: Path) -> None:
    db = tmp_path / "wenji.duckdb"
    rows = [(doc_id, n, list(values)) for doc_id, (values, n) in signatures.items()]
    table = pa.table(
        {
            "doc_id": [r[0] for r in rows],
            "n_shingles": pa.array([r[1] for r in rows], pa.int32()),
            "signature": pa.array([r[2] for r in rows], pa.list_(pa.uint32())),
            "run_id": ["r0"] * len(rows),
        }
    )
    with open_db(db) as con:
        migrate(con)
        con.register("fp", table)
        con.execute("INSERT INTO fingerprints BY NAME SELECT * FROM fp")
        con.execute("INSERT INTO duplicates VALUES ('stale', 'gone', 0.9, false, 'old')")
    first = find_duplicates(db, "r1")
    second = find_duplicates(db, "r2")
    assert (first.groups, first.grouped_documents, first.documents) == (1, 2, 3)
    assert (second.groups, second.grouped_documents) == (1, 2)
    with open_db(db, read_only=True) as con:
        stored = con.execute(
            "SELECT doc_id, is_representative, run_id FROM duplicates ORDER BY doc_id"
        ).fetchall()
    assert stored == [("copy", False, "r2"), ("wenming", True, "r2")]
