"""Cleaning rules, one group per rule, on real Chinese strings; plus the idempotency property."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wenji.tasks.clean import (
    clean_paragraphs,
    fullwidth_parens_around_cjk,
    fullwidth_punct_after_cjk,
    is_body_text,
    is_code_line,
    is_punctuation_only,
    is_salutation,
    join_broken_paragraphs,
    normalize_chars,
    remove_cjk_spaces,
    should_join,
    split_run_in_heading,
)

# The end of a real paragraph cut by a page break in the seed page.
BODY_BROKEN = "时间不等人。尽管中央文明办对我市去年的测评成绩一直没有公布，但这一届创文的决战，已经到了迫"


# --- normalize_chars


def test_normalize_removes_zero_width_and_controls() -> None:
    assert normalize_chars("巡\u200b察\ufeff工作\u00ad\x07") == "巡察工作"


def test_normalize_folds_indentation_and_nbsp() -> None:
    assert normalize_chars("\u3000\u3000同志们：\xa0") == "同志们："
    assert normalize_chars("\xa0\xa0\xa0\xa0今天召开\u3000全县\n会议") == "今天召开 全县 会议"


def test_normalize_keeps_a_table_cell_break() -> None:
    # Extraction joins a row's cells with a tab (CELL_SEPARATOR); the tab is the column, not indentation.
    assert normalize_chars("值班时间\t值班单位\xa0\xa0联系电话") == "值班时间\t值班单位 联系电话"


def test_normalize_fullwidth_digits_and_letters_but_not_punctuation() -> None:
    assert normalize_chars("２０２４年ＡＢＣ，。！") == "2024年ABC，。！"


# --- fullwidth_punct_after_cjk


def test_ascii_punct_after_cjk_becomes_fullwidth() -> None:
    assert (
        fullwidth_punct_after_cjk("在第X届全国文明城市评选表彰之年,在我市")
        == "在第X届全国文明城市评选表彰之年，在我市"
    )
    assert fullwidth_punct_after_cjk("同志们:") == "同志们："
    assert fullwidth_punct_after_cjk("不获全胜、誓不罢休!") == "不获全胜、誓不罢休！"
    assert fullwidth_punct_after_cjk("成绩一锤定音 ,成败在此一役") == "成绩一锤定音，成败在此一役"


def test_ascii_punct_after_digits_or_latin_is_kept() -> None:
    assert fullwidth_punct_after_cjk("发布时间:2024-03-29 01:55:14") == "发布时间：2024-03-29 01:55:14"
    assert fullwidth_punct_after_cjk("全校1,600余名师生") == "全校1,600余名师生"
    assert fullwidth_punct_after_cjk("支持Python,Java两种语言") == "支持Python,Java两种语言"


def test_parentheses_around_chinese_become_fullwidth() -> None:
    assert fullwidth_parens_around_cjk("全市各级党委(党组)要") == "全市各级党委（党组）要"
    assert fullwidth_parens_around_cjk("考核办法(暂行)(2020年修订)") == "考核办法（暂行）（2020年修订）"
    assert fullwidth_parens_around_cjk("见第(1)条和f(x)") == "见第(1)条和f(x)"


# --- remove_cjk_spaces


def test_spaces_between_chinese_characters_go() -> None:
    assert remove_cjk_spaces("推动城 市品质大提升") == "推动城市品质大提升"
    assert remove_cjk_spaces("四要及时查 办问题线索") == "四要及时查办问题线索"


def test_spaces_between_chinese_and_numbers_or_placeholders_go() -> None:
    assert remove_cjk_spaces("在第 X 届全国文明城市评选表彰之年") == "在第X届全国文明城市评选表彰之年"
    assert remove_cjk_spaces("20XX 年 9月,市第七次党代会") == "20XX年9月,市第七次党代会"
    assert (
        remove_cjk_spaces("X 同志宣读了 2020 年创建全国文明城市工作方案")
        == "X同志宣读了2020年创建全国文明城市工作方案"
    )
    assert remove_cjk_spaces("全市经济 U 型反转") == "全市经济U型反转"


def test_spaces_between_latin_words_and_around_long_latin_words_stay() -> None:
    assert remove_cjk_spaces("保障 X X 发展大局") == "保障X X发展大局"
    assert remove_cjk_spaces("Copyright 2008 - 2017") == "Copyright 2008 - 2017"
    assert remove_cjk_spaces("依托抖音、快手等热门 APP 继续组织") == "依托抖音、快手等热门 APP 继续组织"


def test_a_dotted_latin_word_is_one_word_for_spacing() -> None:
    # A Latin word (letters and digits joined by . _ -) of three or more characters without a digit keeps the
    # spaces around it on both sides; a one- or two-letter code or anything with a digit sits flush.
    assert remove_cjk_spaces("再用 dt.to_period 按月汇总") == "再用 dt.to_period 按月汇总"
    assert remove_cjk_spaces("连上 Wi-Fi 之后") == "连上 Wi-Fi 之后"
    assert remove_cjk_spaces("先用 df 读入") == "先用df读入"
    assert remove_cjk_spaces("升级到 v2.0 版本") == "升级到v2.0版本"
    assert remove_cjk_spaces("受 COVID-19 疫情影响") == "受COVID-19疫情影响"


# --- code lines


def test_code_lines() -> None:
    assert is_code_line('pd.read_excel("sales.xlsx", sheet_name="明细")')
    assert is_code_line('df = df[df["部门"] == "销售部"]  # 只保留销售部')
    assert is_code_line("for i in range(10):")
    assert not is_code_line("再用 dt.to_period 按月汇总，得到每月销售额。")
    assert not is_code_line("党委(党组)要切实履行主体责任")
    assert not is_code_line("2024年3月29日")
    assert not is_code_line("Copyright 2008 - 2017")


def test_code_survives_cleaning_untouched() -> None:
    code = [
        "import pandas as pd",
        'df = pd.read_excel("sales.xlsx", sheet_name="明细")',
        'monthly = df.groupby(df["日期"].dt.to_period("M"))["金额"].sum()',
    ]
    prose = "读入数据后,再用 dt.to_period 按月汇总(见下表)"
    assert clean_paragraphs([*code, prose]) == [*code, "读入数据后，再用 dt.to_period 按月汇总（见下表）"]


def test_code_is_never_joined_to_prose() -> None:
    # A long code line with commas and no end mark reads as an unfinished sentence; the Chinese line after it
    # must not be glued on.
    code = 'top = df.sort_values(by="金额", ascending=False).head(10)["部门", "金额"]'
    assert clean_paragraphs([code, "部门和月份都是明细表里的列"]) == [code, "部门和月份都是明细表里的列"]


# --- punctuation-only lines


def test_punctuation_only_lines() -> None:
    assert is_punctuation_only("。")
    assert is_punctuation_only(" …… ")
    assert is_punctuation_only("")
    assert not is_punctuation_only("××")
    assert not is_punctuation_only("一、")


# --- run-in headings


def test_run_in_heading_is_split_from_its_body() -> None:
    text = (
        "一、紧绷决战之弦，坚定创则必成的信心和决心 "
        "全国文明城市是一块“金字招牌”，是我国综合评价城市整体文明水平的最高荣誉。"
    )
    assert split_run_in_heading(text) == [
        "一、紧绷决战之弦，坚定创则必成的信心和决心",
        "全国文明城市是一块“金字招牌”，是我国综合评价城市整体文明水平的最高荣誉。",
    ]


def test_run_in_heading_leaves_placeholders_and_short_bodies_alone() -> None:
    assert split_run_in_heading("一、X 的文明创建已经走过了 XX 个年头") == [
        "一、X 的文明创建已经走过了 XX 个年头"
    ]
    assert split_run_in_heading("一、参加人员 各县区分管领导") == ["一、参加人员 各县区分管领导"]


# --- joining page-broken paragraphs


def test_join_mid_word_break() -> None:
    assert join_broken_paragraphs([BODY_BROKEN, "在眉睫、临门一脚的关键时刻。"]) == [
        BODY_BROKEN + "在眉睫、临门一脚的关键时刻。"
    ]


def test_join_short_line_that_contains_a_finished_sentence() -> None:
    first = "二要不断凝聚协作单位这一“生力军”。县委巡察办要"
    assert is_body_text(first)
    assert should_join(first, "发挥好牵头抓总和综合协调作用。", None)


def test_join_long_clause_without_sentence_end() -> None:
    first = (
        "一般在9月左右开始测评，距离现在不到2个月时间，"
        "全市各级各部门要站在战略和全局的高度抓决胜文明城市创建，创文工"
    )
    assert len(first) >= 40 and should_join(first, "作难以挽回的遗憾。", None)
    assert not should_join(first[:20], "作难以挽回的遗憾。", None)


def test_join_after_trailing_comma() -> None:
    first = "采取专项督查、人大政协视察、媒体监督、社会监督等方式，"
    assert should_join(first * 2, "持续进行明察与暗访。", None)


def test_headings_titles_and_salutations_are_not_joined() -> None:
    assert not should_join("一、强化政治引领，坚定不移深化政治巡察", "党的十九大作出了重大部署。", None)
    assert not should_join("在听取巡察组巡察情况汇报会上的讲话", "同志们：", None)
    assert not should_join("同志们：", "刚才，X专题会听取了报告。", None)
    assert not should_join(BODY_BROKEN, "一是动员机制马上启动。", None)
    assert not should_join(BODY_BROKEN, "2020年是收官之年。", None)


def test_body_without_end_is_not_glued_to_a_following_speech_title() -> None:
    assert not should_join(BODY_BROKEN, "在听取巡察组巡察情况汇报会上的讲话", "同志们：")


def test_salutations() -> None:
    assert is_salutation("同志们：")
    assert is_salutation("各位领导、同志们：")
    assert is_salutation("尊敬的各位来宾、亲爱的同事们：")
    assert not is_salutation("同志们，XX年创建梦想，一朝圆梦在今夕。")


# --- the whole pipeline


def test_clean_paragraphs_on_seed_fragments() -> None:
    raw = [
        "\u3000\u3000在决胜全国文明城市誓师大会上的讲话",
        " 同志们:",
        " " + BODY_BROKEN,
        " 在眉睫、临门一脚的关键时刻,这次誓师大会就是全市创文之师的整装集结。",
        " 。",
        " 第一个方面:攻坚基础设施,推动城 市品质大提升。持续深化“三洗六见一红旗”城市环境整治活动。",
    ]
    assert clean_paragraphs(raw) == [
        "在决胜全国文明城市誓师大会上的讲话",
        "同志们：",
        BODY_BROKEN + "在眉睫、临门一脚的关键时刻，这次誓师大会就是全市创文之师的整装集结。",
        "第一个方面：攻坚基础设施，推动城市品质大提升。持续深化“三洗六见一红旗”城市环境整治活动。",
    ]


ALPHABET = st.sampled_from(
    list("城市品质查办巡察同志们一二三要是在的讲话")
    + list("，。、：；！？“”（）《》…—")
    + list(",.:;!?()-|=_[")
    + [" ", "\u3000", "\xa0", "\u200b", "\t"]
    + list("0123456789XxAPU×○")
    + ["２", "Ａ"]
)
PARAGRAPHS = st.lists(st.text(alphabet=ALPHABET, max_size=60), max_size=8)


def test_a_paragraph_that_a_repair_starts_with_an_ideograph_is_joined_at_once() -> None:
    """The repair after joining reads the GBK bytes of 啊 (B0 A1, read as Latin-1 "°¡"); the paragraph it
    repairs then continues the sentence before, and is joined in the same cleaning, not in the next one."""
    first = (
        "今天我们召开全市文明城市创建工作推进会，主要任务是总结工作、部署任务。"
        "一、紧绷决战之弦，坚定创则必成的信心和决心"
    )
    once = clean_paragraphs([first, "°\x1f¡同志们：°¡"])
    assert once == [first + "啊同志们：啊"]
    assert clean_paragraphs(once) == once


@settings(max_examples=400, deadline=None)
@given(PARAGRAPHS)
def test_clean_is_idempotent(paragraphs: list[str]) -> None:
    once = clean_paragraphs(paragraphs)
    assert clean_paragraphs(once) == once


@settings(max_examples=200, deadline=None)
@given(PARAGRAPHS)
def test_clean_output_has_no_empty_or_padded_lines(paragraphs: list[str]) -> None:
    for para in clean_paragraphs(paragraphs):
        assert para == para.strip()
        assert not is_punctuation_only(para)


def test_comma_after_parenthesised_chinese_becomes_full_width_in_one_pass() -> None:
    once = clean_paragraphs(["反映较多的问题(如页面卡顿、认证失败等),以及老年人的使用困难。"])
    assert once == ["反映较多的问题（如页面卡顿、认证失败等），以及老年人的使用困难。"]
    assert clean_paragraphs(once) == once
