"""The heading tree of real speeches and of small documents with other numbering styles."""

from __future__ import annotations

import pytest
from enrich_fixtures import WENMING, XUNCHA, speech

from wenji.tasks.enrich.outline import build_outline, heading_text, marker_number, match_marker


def test_first_seed_speech_has_three_sections_with_five_aspects_and_four_items() -> None:
    doc, _ = speech(WENMING)
    headings, paths = build_outline(doc.paragraphs)
    top = [h for h in headings if h.level == 1]
    assert [(h.marker, h.text) for h in top] == [
        ("一、", "紧绷决战之弦,坚定创则必成的信心和决心"),
        ("二、", "拼足攻坚之力,夺取文明创建的最终胜利"),
        ("三、", "扛牢决胜之责,确保创文迎检工作落地落实"),
    ]
    under_second = [h for h in headings if h.parent_no == top[1].heading_no]
    assert [h.marker for h in under_second] == [f"第{n}个方面:" for n in "一二三四五"]
    assert under_second[0].text == "攻坚基础设施,推动城 市品质大提升"
    assert all(h.level == 2 and h.style == "fangmian" and h.run_in for h in under_second)
    under_third = [h for h in headings if h.parent_no == top[2].heading_no]
    # The seed announces 有五方面要点 but its text has 一是 … 四是.
    assert [(h.marker, h.text) for h in under_third] == [
        ("一是", "动员机制马上启动"),
        ("二是", "任务清单责任到人"),
        ("三是", "督查督办及时跟进"),
        ("四是", "依靠群众合力攻坚"),
    ]
    # 一是 … 四是 inside the paragraph 今年不同往年 … are an enumeration, not headings.
    assert not any(h.paragraph_no == 2 for h in headings)
    # Each paragraph's section path: before the first heading none; inside 第三个方面 two levels.
    assert paths[0] == []
    third_aspect = under_second[2]
    assert paths[third_aspect.paragraph_no] == [top[1].heading_no, third_aspect.heading_no]
    assert paths[third_aspect.paragraph_no + 1] == [top[1].heading_no, third_aspect.heading_no]
    assert len(paths) == len(doc.paragraphs)


def test_second_seed_speech_has_whole_paragraph_headings_and_yao_items() -> None:
    doc, _ = speech(XUNCHA)
    headings, _ = build_outline(doc.paragraphs)
    top = [h for h in headings if h.level == 1]
    assert [h.text for h in top] == [
        "强化政治引领,坚定不移深化政治巡察",
        "强化成果运用,扎实做好巡察“后半篇文章”",
        "加强自身建设,全力推动巡察工作高质量发展",
    ]
    assert not any(h.run_in for h in top)
    counts = [sum(1 for h in headings if h.parent_no == t.heading_no) for t in top]
    assert counts == [3, 5, 3]
    assert {h.style for h in headings if h.level == 2} == {"yao"}


def test_notice_style_numbering_nests_by_order_of_appearance() -> None:
    paragraphs = [
        "各县（市、区）人民政府：",
        "一、总体要求",
        "（一）指导思想。坚持以人民为中心。",
        "1.加强组织领导。各地要成立工作专班。",
        "2.压实工作责任。",
        "（二）工作目标",
        "到2025年，全市森林覆盖率达到35%。",
        "二、保障措施",
        "3.5%的增长不是标题。",
    ]
    headings, paths = build_outline(paragraphs)
    assert [(h.marker, h.level, h.text) for h in headings] == [
        ("一、", 1, "总体要求"),
        ("（一）", 2, "指导思想"),
        ("1.", 3, "加强组织领导"),
        ("2.", 3, "压实工作责任"),
        ("（二）", 2, "工作目标"),
        ("二、", 1, "保障措施"),
    ]
    assert paths[6] == [0, 4]  # the target sentence is under 一、 / （二）
    assert paths[8] == [5]


def test_a_number_that_does_not_continue_its_family_is_not_a_heading() -> None:
    headings, _ = build_outline(["三是今年雨水多。", "一、总体要求", "三、保障措施"])
    assert [h.marker for h in headings] == ["一、"]


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("7", 7), ("③", 3)],
)
def test_marker_numbers(numeral: str, value: int) -> None:
    assert marker_number(numeral) == value


def test_markers_and_heading_text() -> None:
    assert match_marker("（三）强化督查问责") == ("cn_paren", 3, "（三）")
    assert match_marker("2020年是收官之年") is None
    assert heading_text(
        "紧绷决战之弦，坚定创则必成的信心和决心 全国文明城市是一块“金字招牌”，"
        "是我国综合评价城市整体文明水平的最高荣誉。"
    ) == (
        "紧绷决战之弦，坚定创则必成的信心和决心",
        True,
    )
    assert heading_text("强化政治引领") == ("强化政治引领", False)
