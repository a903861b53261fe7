"""Segmentation on real Chinese text: sentence spans, offsets, the domain dictionary, both engines."""

from __future__ import annotations

from pathlib import Path

import pytest

from wenji.tasks.records import Doc, PageMeta
from wenji.tasks.segment import (
    LongerWordFirst,
    bare_dag_cut,
    get_segmenter,
    load_user_dict,
    resolve_engine,
    segment_batch,
    segment_doc,
    split_sentences,
)
from wenji.tasks.settings import SegmentConfig

DATA = Path(__file__).parent / "data"
# The two speeches of the seed 范文 page (navigation and footer removed), one paragraph per line.
SPEECHES = [
    (DATA / name).read_text(encoding="utf-8").splitlines()
    for name in ("speech_wenming_chengshi.txt", "speech_xuncha.txt")
]
ENGINES = ["jieba", "rjieba"]
# Share of token boundaries the two engines must have in common on the seed speeches (measured 99.9%).
MIN_BOUNDARY_AGREEMENT = 0.99


def make_doc(paragraphs: list[str], url: str = "https://example.gov.cn/a.html") -> Doc:
    meta = PageMeta(
        url=url, title="", published_at=None, category_path=[], tags=[], site_name=None, language="zh"
    )
    return Doc(url=url, part_no=0, title="", paragraphs=paragraphs, meta=meta)


def sentences_of(paragraph: str) -> list[str]:
    return [paragraph[s:e] for s, e in split_sentences(paragraph)]


def test_closing_quote_stays_with_its_sentence() -> None:
    assert sentences_of("他说：“好。”然后大家都笑了！这样行吗？") == [
        "他说：“好。”",
        "然后大家都笑了！",
        "这样行吗？",
    ]


def test_brackets_ellipsis_semicolons_and_runs_of_terminators() -> None:
    paragraph = "（会议到此结束。）时间不等人……成败在此一役；必须志在必得！？「完」"
    assert sentences_of(paragraph) == [
        "（会议到此结束。）",
        "时间不等人……",
        "成败在此一役；",
        "必须志在必得！？",
        "「完」",
    ]


def test_ascii_terminators_but_not_inside_urls_or_numbers() -> None:
    paragraph = "Is it done? Yes! 详见 http://www.gov.cn/a.php?id=3 第2.5条; 完毕..."
    assert sentences_of(paragraph) == [
        "Is it done?",
        "Yes!",
        "详见 http://www.gov.cn/a.php?id=3 第2.5条;",
        "完毕...",
    ]


def test_whitespace_is_trimmed_and_blank_pieces_dropped() -> None:
    paragraph = "  同志们：\u3000 今天开会。   。  \t"
    spans = split_sentences(paragraph)
    assert [paragraph[s:e] for s, e in spans] == ["同志们：\u3000 今天开会。", "。"]
    assert split_sentences(" \u3000\t ") == []
    assert split_sentences("") == []


def test_long_text_without_terminators_stays_one_sentence() -> None:
    heading = "一、紧绷决战之弦，坚定创则必成的信心和决心" * 50
    assert split_sentences(heading) == [(0, len(heading))]


@pytest.mark.parametrize("engine", ENGINES)
def test_offsets_index_doc_text_and_sentences_never_cross_paragraphs(engine: str) -> None:
    doc = make_doc([*SPEECHES[0][:12], "", "   ", "他说：“好。” 然后 散会。"])
    sentences = segment_doc(doc, get_segmenter(SegmentConfig(engine=engine)))
    text = doc.text
    assert [s.sentence_no for s in sentences] == list(range(len(sentences)))
    assert sentences[-2].text == "他说：“好。”"
    assert sentences[-1].text == "然后 散会。"
    assert sentences[-1].words == ["然后", "散会", "。"]  # the space is not a word
    for s in sentences:
        assert text[s.start : s.end] == s.text
        assert "\n" not in s.text
        assert s.text == s.text.strip()
        assert doc.paragraphs[s.paragraph_no].count(s.text) >= 1
        assert "".join(s.words) == "".join(s.text.split())
        assert len(s.words) == len(s.pos)
        assert not any(w.isspace() for w in s.words)
    assert sentences[0].text == "在决胜全国文明城市誓师大会上的讲话"
    assert sentences[0].words[:3] == ["在", "决胜", "全国文明城市"]


@pytest.mark.parametrize("engine", ENGINES)
def test_domain_dictionary_keeps_official_terms_whole(engine: str) -> None:
    seg = get_segmenter(SegmentConfig(engine=engine))
    text = "深入学习贯彻党的十九届四中全会精神，践行社会主义核心价值观，巡察组进驻后决胜全国文明城市创建。"
    tagged = dict(seg.tag(text))
    assert "".join(w for w, _ in seg.tag(text)) == text
    assert tagged["十九届四中全会"] == "nz"
    assert tagged["社会主义核心价值观"] == "nz"
    assert tagged["全国文明城市"] == "nz"
    assert tagged["巡察组"] == "nt"
    # Words jieba already knew keep their place but get the dictionary's better tag (rjieba needs help).
    assert dict(seg.tag("市委宣传部召开会议"))["市委"] == "nt"


# The overlap error of issue 19, as the seed speeches and policy prose have it: a short, frequent entry of
# our dictionary won over a longer word across its edge.
OVERLAPS = [
    ("市创文办要拧成一股绳，形成工作合力。", "创文/办要", ["市", "创文办", "要", "拧成一股绳"]),
    ("当前巡察工作量大、任务重。", "巡察工作/量", ["当前", "巡察", "工作量", "大"]),
    ("在脱贫攻坚战中取得决定性胜利。", "脱贫攻坚/战中", ["在", "脱贫攻坚战", "中", "取得"]),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("text", "before", "words"), OVERLAPS)
def test_longer_word_wins_over_an_overlapping_entry(
    engine: str, text: str, before: str, words: list[str]
) -> None:
    seg = get_segmenter(SegmentConfig(engine=engine))
    assert isinstance(seg, LongerWordFirst)
    raw = [w for w, _ in seg.engine.tag(text)]
    fixed = [w for w, _ in seg.tag(text)]
    assert before in "/".join(raw)  # the engine alone still makes the error: the repair is what fixes it
    assert fixed[: len(words)] == words
    assert "".join(fixed) == text
    assert len(seg.tag(text)) == len(fixed) and all(tag for _, tag in seg.tag(text))


@pytest.mark.parametrize("engine", ENGINES)
def test_overlap_repair_leaves_entries_and_whole_words_alone(engine: str) -> None:
    seg = get_segmenter(SegmentConfig(engine=engine))

    def cut(text: str) -> list[str]:
        return [w for w, _ in seg.tag(text)]

    assert cut("市创文办公室主任讲话。")[:3] == ["市", "创文", "办公室"]  # 办公室 is a word of its own
    assert cut("全市创文之师的精神面貌")[:3] == ["全市", "创文", "之师"]  # 之 starts a word, ends none
    assert cut("巡察工作要坚持问题导向。")[:2] == ["巡察工作", "要"]  # 作要 is no word
    assert cut("扎实做好巡察工作。")[-2:] == ["巡察工作", "。"]
    assert cut("一线抓落实工作周")[:3] == ["一线", "抓落实", "工作"]  # a whole word after the entry stays
    assert "全国文明城市" in cut("决胜全国文明城市誓师大会")  # splitting inside the entry is no repair


def test_bare_dag_cut_is_jiebas_route_without_our_dictionary() -> None:
    import jieba

    for span in ("巡察工作量", "脱贫攻坚战中", "市委宣传部副部长", "公益广告位"):
        assert bare_dag_cut(span) == jieba.lcut(span, HMM=False)


def test_engines_agree_on_token_boundaries_of_real_speeches() -> None:
    text = "\n".join(line for speech in SPEECHES for line in speech)

    def boundaries(engine: str) -> set[int]:
        pairs = get_segmenter(SegmentConfig(engine=engine)).tag(text)
        assert "".join(w for w, _ in pairs) == text
        ends, pos = set(), 0
        for word, _ in pairs:
            pos += len(word)
            ends.add(pos)
        return ends

    jieba_b, rjieba_b = boundaries("jieba"), boundaries("rjieba")
    agreement = len(jieba_b & rjieba_b) / len(jieba_b | rjieba_b)
    assert agreement >= MIN_BOUNDARY_AGREEMENT


def test_user_dictionaries_reach_both_engines(tmp_path: Path) -> None:
    user_dict = tmp_path / "mine.txt"
    user_dict.write_text("# my terms v2\n鹭岛清风行动 1000 nz\n\n文明劝导员 500\n", encoding="utf-8")
    assert load_user_dict(user_dict) == [("鹭岛清风行动", 1000, "nz"), ("文明劝导员", 500, "nz")]
    for engine in ENGINES:
        seg = get_segmenter(SegmentConfig(engine=engine, user_dicts=(str(user_dict),)))
        words = [w for w, _ in seg.tag("开展鹭岛清风行动，招募文明劝导员。")]
        assert "鹭岛清风行动" in words and "文明劝导员" in words, engine
        # Private tokenizers: the default configuration never sees these words.
        default = get_segmenter(SegmentConfig(engine=engine))
        assert "鹭岛清风行动" not in [w for w, _ in default.tag("开展鹭岛清风行动")]


def test_config_errors_are_clear() -> None:
    with pytest.raises(ValueError, match=r"segment\.engine"):
        resolve_engine("hanlp")
    with pytest.raises(FileNotFoundError, match=r"segment\.user_dicts"):
        get_segmenter(SegmentConfig(engine="rjieba", user_dicts=("/nonexistent/dict.txt",)))


def test_segmenter_is_built_once_per_process() -> None:
    cfg = SegmentConfig(engine="rjieba")
    assert get_segmenter(cfg) is get_segmenter(SegmentConfig(engine="rjieba"))
    assert resolve_engine("auto") == "rjieba"  # installed as a dependency
    assert get_segmenter(SegmentConfig()) is get_segmenter(cfg)


def test_segment_batch_keeps_empty_docs_and_counts() -> None:
    docs = [make_doc(SPEECHES[1], url="https://a.gov.cn/1"), make_doc([], url="https://a.gov.cn/2")]
    docs.append(make_doc(["  ", "\u3000"], url="https://a.gov.cn/3"))
    result = segment_batch(docs, SegmentConfig(engine="rjieba"))
    assert result.errors == []
    assert [d.url for d, _ in result.items] == [
        "https://a.gov.cn/1",
        "https://a.gov.cn/2",
        "https://a.gov.cn/3",
    ]
    assert [len(s) > 0 for _, s in result.items] == [True, False, False]
    assert result.counters["docs_without_sentences"] == 2
    assert result.counters["docs_out"] == 3
    assert result.counters["tokens"] == sum(len(s.words) for s in result.items[0][1])
    assert result.items[0][1][0].text == "在听取巡察组巡察情况汇报会上的讲话"
