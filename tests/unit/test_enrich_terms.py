"""Formulations in real speeches: quoted phrases, numeric slogans, parallel series."""

from __future__ import annotations

import pytest
from enrich_fixtures import WENMING, XUNCHA, segmented, speech

from wenji.tasks.enrich.terms import find_terms, is_quoted_formulation
from wenji.tasks.records import Term


def by_text(terms: list[Term]) -> dict[str, Term]:
    return {t.text: t for t in terms}


@pytest.fixture(scope="module")
def wenming_terms() -> dict[str, Term]:
    return by_text(find_terms(speech(WENMING)[1]))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("三洗六见一红旗", "numeric"),
        ("五个三", "numeric"),
        ("十纵十横", "numeric"),
        ("三纵四横", "numeric"),
        ("两下两进两拆四提升", "numeric"),
        ("长安杯", "quoted"),
        ("金字招牌", "quoted"),
        ("安全感、获得感、幸福感", "series"),
        ("共建、共治、共享", "series"),
    ],
)
def test_formulations_of_the_civilised_city_speech(
    wenming_terms: dict[str, Term], text: str, kind: str
) -> None:
    assert wenming_terms[text].kind == kind


def test_first_sentence_and_counts(wenming_terms: dict[str, Term]) -> None:
    _, sentences = speech(WENMING)
    term = wenming_terms["三洗六见一红旗"]
    assert "三洗六见一红旗" in sentences[term.first_sentence_no].text
    assert wenming_terms["脏乱差"].count == 2  # quoted twice, in two sentences
    # No piece of a longer word or a longer slogan.
    assert "三纵四横主" not in wenming_terms
    assert not any(t.startswith("“") or t.endswith("”") for t in wenming_terms)


def test_anti_corruption_series_is_one_term_and_last_mile_is_quoted() -> None:
    terms = by_text(find_terms(speech(XUNCHA)[1]))
    assert terms["不敢腐、不能腐、不想腐"].kind == "series"
    assert terms["最后一公里"].kind == "quoted"
    assert not any(t in terms for t in ("不敢腐", "进不敢腐"))


def test_dictionary_slogans_and_ordinary_counts() -> None:
    _, sentences = segmented(
        [
            "要增强“四个意识”、坚定四个自信、做到两个维护。会上讲了三个方面的问题，有四个要点。推进十九届四中全会精神落实。"
        ]
    )
    terms = by_text(find_terms(sentences))
    assert {t for t, v in terms.items() if v.kind == "numeric"} == {"四个意识", "四个自信", "两个维护"}
    assert "九届四中" not in terms


def test_numeral_idioms_are_not_slogans() -> None:
    _, sentences = segmented(["大家一心一意谋发展，千方百计抓落实。"])
    assert find_terms(sentences) == []


@pytest.mark.parametrize(
    ("phrase", "ok"),
    [("最后一公里", True), ("互联网+", True), ("共建、共治、共享", True),
     ("X 的事，大家想、大家说、大家干", False), ("APP", False), ("脏", False),
     ("一二三四五六七八九十一二三", False)],
)  # fmt: skip
def test_quoted_formulation_rule(phrase: str, ok: bool) -> None:
    assert is_quoted_formulation(phrase) is ok
