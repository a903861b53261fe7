"""Splitting compound pages: only on strong evidence (title + salutation, or 篇一/篇二 markers)."""

from __future__ import annotations

from wenji.tasks.split import split_documents

SPEECH_1 = [
    "在决胜全国文明城市誓师大会上的讲话",
    "同志们：",
    "在第X届全国文明城市评选表彰之年，我们在这里召开决胜全国文明城市誓师大会，责任重大、意义重大。",
    "一、紧绷决战之弦，坚定创则必成的信心和决心",
    "全国文明城市是一块“金字招牌”，是我国综合评价城市整体文明水平的最高荣誉。",
]
SPEECH_2 = [
    "在听取巡察组巡察情况汇报会上的讲话",
    "同志们：",
    "刚才，X专题会和X巡察工作领导小组共同听取了县委第X轮巡察各组情况报告。",
    "一、强化政治引领，坚定不移深化政治巡察",
    "党的十九大作出了重大部署，并将建立巡察制度写入新《党章》。",
]


def test_two_speeches_become_two_documents_titled_by_their_heading() -> None:
    docs = split_documents("决胜全国文明城市誓师大会上讲话", SPEECH_1 + SPEECH_2)
    assert [t for t, _ in docs] == [
        "在决胜全国文明城市誓师大会上的讲话",
        "在听取巡察组巡察情况汇报会上的讲话",
    ]
    assert docs[0][1] == SPEECH_1[1:]
    assert docs[1][1] == SPEECH_2[1:]


def test_single_speech_stays_one_document_under_the_page_title() -> None:
    assert split_documents("誓师大会讲话稿", SPEECH_1) == [("誓师大会讲话稿", SPEECH_1)]


def test_headings_alone_do_not_split() -> None:
    paragraphs = [
        "2023年，我社区党支部扎实推进基层党组织建设，各项工作取得了新的进展。",
        "加强思想政治建设",
        "全年共召开支部党员大会12次、支委会24次。",
        "强化基层组织建设",
        "全年发展党员2名、确定入党积极分子3名。",
    ]
    assert split_documents("社区党支部工作总结", paragraphs) == [("社区党支部工作总结", paragraphs)]


def test_closing_line_starting_with_comrades_is_not_a_salutation() -> None:
    paragraphs = [*SPEECH_1, "同志们，XX年创建梦想，一朝圆梦在今夕。"]
    assert len(split_documents("誓师大会讲话稿", paragraphs)) == 1


def test_speaker_and_date_lines_between_title_and_salutation_stay_in_the_text() -> None:
    second = ["在2024年新春团拜会上的致辞", "尊敬的各位来宾、亲爱的同事们：", "辞旧迎新之际，我们欢聚一堂。"]
    first = [
        "在公司2023年度总结表彰大会上的讲话",
        "董事长XXX",
        "（2024年1月18日）",
        "各位领导、同志们：",
        "大家好！",
    ]
    docs = split_documents("年会讲话稿两篇", first + second)
    assert [t for t, _ in docs] == [first[0], second[0]]
    assert docs[0][1] == first[1:]


def test_short_intro_is_dropped_and_long_preamble_kept() -> None:
    intro = ["下面是小编整理的两篇讲话稿，供大家参考。"]
    assert [t for t, _ in split_documents("两篇讲话", intro + SPEECH_1 + SPEECH_2)] == [
        SPEECH_1[0],
        SPEECH_2[0],
    ]
    preamble = ["为深入贯彻落实市委全会精神，进一步动员全市上下决战决胜全国文明城市创建，" * 3]
    docs = split_documents("两篇讲话", preamble + SPEECH_1 + SPEECH_2)
    assert docs[0] == ("两篇讲话", preamble)
    assert len(docs) == 3


def test_numbered_pieces() -> None:
    paragraphs = [
        "篇一：社区学雷锋志愿服务活动总结",
        "3月5日是第61个“学雷锋纪念日”，我社区组织开展了主题活动。",
        "【篇二】",
        "学校学雷锋月活动总结",
        "三月以来，我校组织开展了主题班会、手抄报评比等系列活动。",
    ]
    docs = split_documents("学雷锋活动总结(精选2篇)", paragraphs)
    assert docs == [
        ("社区学雷锋志愿服务活动总结", [paragraphs[1]]),
        ("学校学雷锋月活动总结", [paragraphs[4]]),
    ]


def test_one_numbered_piece_does_not_split() -> None:
    paragraphs = ["篇一：社区学雷锋志愿服务活动总结", "3月5日，我社区组织开展了主题活动。"]
    assert split_documents("学雷锋活动总结", paragraphs) == [("学雷锋活动总结", paragraphs)]
