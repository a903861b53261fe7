"""Keywords from our own tokens, on the seed page's two real speeches."""

from __future__ import annotations

from pathlib import Path

import pytest

from wenji.tasks.enrich import keywords
from wenji.tasks.enrich.keywords import (
    enrich_batch,
    is_keyword_candidate,
    is_placeholder,
    keywords_textrank,
    keywords_tfidf,
    stopwords,
)
from wenji.tasks.records import Doc, Keyword, PageMeta, Sentence
from wenji.tasks.segment import get_segmenter, segment_doc
from wenji.tasks.settings import EnrichConfig, SegmentConfig

DATA = Path(__file__).parent / "data"


def make_doc(paragraphs: list[str], url: str) -> Doc:
    meta = PageMeta(
        url=url, title="", published_at=None, category_path=[], tags=[], site_name=None, language="zh"
    )
    return Doc(url=url, part_no=0, title="", paragraphs=paragraphs, meta=meta)


def speech(name: str) -> tuple[Doc, list[Sentence]]:
    doc = make_doc(
        (DATA / name).read_text(encoding="utf-8").splitlines(), url=f"https://fanwen.example/{name}"
    )
    return doc, segment_doc(doc, get_segmenter(SegmentConfig(engine="rjieba")))


@pytest.fixture(scope="module")
def wenming() -> tuple[Doc, list[Sentence]]:
    return speech("speech_wenming_chengshi.txt")


@pytest.fixture(scope="module")
def xuncha() -> tuple[Doc, list[Sentence]]:
    return speech("speech_xuncha.txt")


def assert_clean(keywords: list[Keyword]) -> None:
    for k in keywords:
        assert len(k.word) >= 2, k
        assert k.word not in stopwords(), k
        assert not k.word.isdigit() and not is_placeholder(k.word), k
        assert any(ch.isalpha() for ch in k.word), k  # not punctuation
    weights = [k.weight for k in keywords]
    assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize(
    ("word", "pos"),
    [("的", "uj"), ("市", "n"), ("我们", "r"), ("进一步", "d"), ("同志们", "n"), ("一是", "m"),
     ("，", "x"), ("……", "x"), ("2020", "m"), ("3.5%", "m"), ("XX", "eng"), ("20XX", "eng"),
     ("ＸＸ", "x"), ("某某", "r"), ("今年", "t")],
)  # fmt: skip
def test_non_keywords_are_refused(word: str, pos: str) -> None:
    assert not is_keyword_candidate(word, pos)


@pytest.mark.parametrize(
    ("word", "pos"),
    [("全国文明城市", "nz"), ("巡察组", "nt"), ("营商环境", "n"), ("整改", "v"), ("GDP", "eng")],
)
def test_content_words_are_candidates(word: str, pos: str) -> None:
    assert is_keyword_candidate(word, pos)


def test_tfidf_finds_what_the_civilised_city_speech_is_about(wenming: tuple[Doc, list[Sentence]]) -> None:
    keywords = keywords_tfidf(wenming[1], top_k=10)
    assert len(keywords) == 10
    assert {k.method for k in keywords} == {"tfidf"}
    words = [k.word for k in keywords]
    assert "创文" in words[:3]
    assert {"全国文明城市", "文明创建"} <= set(words)
    assert_clean(keywords)


def test_tfidf_separates_the_two_speeches(
    wenming: tuple[Doc, list[Sentence]], xuncha: tuple[Doc, list[Sentence]]
) -> None:
    first = {k.word for k in keywords_tfidf(wenming[1], top_k=5)}
    second = [k.word for k in keywords_tfidf(xuncha[1], top_k=5)]
    assert second[0] == "巡察"
    assert "巡察" not in first and "创文" not in second


def test_textrank_ranks_domain_terms_and_scales_to_one(wenming: tuple[Doc, list[Sentence]]) -> None:
    keywords = keywords_textrank(wenming[1], top_k=15)
    assert keywords[0].weight == 1.0
    assert {k.method for k in keywords} == {"textrank"}
    assert {"创文", "文明创建"} <= {k.word for k in keywords}
    assert_clean(keywords)


def test_top_k_and_determinism(xuncha: tuple[Doc, list[Sentence]]) -> None:
    assert keywords_tfidf(xuncha[1], top_k=0) == []
    assert keywords_textrank(xuncha[1], top_k=0) == []
    assert len(keywords_tfidf(xuncha[1], top_k=3)) == 3
    assert keywords_textrank(xuncha[1], top_k=8) == keywords_textrank(xuncha[1], top_k=8)


def test_enrich_batch_never_raises_on_empty_or_contentless_docs(
    xuncha: tuple[Doc, list[Sentence]],
) -> None:
    empty = make_doc([], url="https://a.gov.cn/empty")
    punct_only = make_doc(["……！？", "X、XX、20XX。"], url="https://a.gov.cn/punct")
    seg = get_segmenter(SegmentConfig(engine="rjieba"))
    batch = [(empty, []), (punct_only, segment_doc(punct_only, seg)), xuncha]
    result = enrich_batch(batch, EnrichConfig(top_k=5))
    assert result.errors == []
    assert [p.doc.url for p in result.items] == [
        "https://a.gov.cn/empty",
        "https://a.gov.cn/punct",
        xuncha[0].url,
    ]
    assert result.items[0].keywords == [] and result.items[1].keywords == []
    assert result.counters["docs_without_keywords"] == 2
    methods = [k.method for k in result.items[2].keywords]
    assert methods.count("tfidf") == 5 and methods.count("textrank") == 5
    assert result.items[2].sentences is xuncha[1]


def test_keywords_do_not_depend_on_the_word_ids_seen_before(
    wenming: tuple[Doc, list[Sentence]], xuncha: tuple[Doc, list[Sentence]], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = [wenming, xuncha, wenming]
    kept = [p.keywords for p in enrich_batch(batch, EnrichConfig(top_k=10)).items]
    monkeypatch.setattr(keywords, "VOCABULARY_SIZE", 0)  # ids start over at every document
    restarted = [p.keywords for p in enrich_batch(batch, EnrichConfig(top_k=10)).items]
    assert restarted == kept
    assert kept[0] == kept[2] and kept[0] != kept[1]
