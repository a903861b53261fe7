"""Template slots and document types on real 范文 text."""

from __future__ import annotations

import pytest
from enrich_fixtures import WENMING, XUNCHA, speech

from wenji.tasks.enrich.doctype import classify_doc_type, doc_type_from_text, doc_type_from_title
from wenji.tasks.enrich.placeholders import find_placeholders, is_template


def test_slots_with_kinds_and_offsets() -> None:
    text = (
        "刚才，X 同志宣读了20XX年工作方案，XX 等 X 家单位作了发言，××局和○○单位、某某市参加。"
        "XBOX 和 U 型反转不算。"
    )
    slots = find_placeholders(text)
    assert [(p.text, p.kind) for p in slots] == [
        ("X 同志", "person"),
        ("20XX", "year"),
        ("XX", "slot"),
        ("X", "slot"),
        ("××", "slot"),
        ("○○", "slot"),
        ("某某", "slot"),
    ]
    assert all(text[p.start : p.end] == p.text for p in slots)
    assert is_template(slots)


def test_real_numbers_and_letters_are_not_slots() -> None:
    slots = find_placeholders("2008年（二〇〇八年）我市GDP增长3×4倍，APP下载量过万，x轴上的点。")
    assert slots == []
    assert not is_template(slots)


def test_seed_speech_is_a_template() -> None:
    doc, _ = speech(WENMING)
    slots = find_placeholders(doc.text)
    assert len(slots) >= 30
    assert {p.kind for p in slots} == {"year", "person", "slot"}
    assert sum(p.kind == "year" for p in slots) == doc.text.count("20XX")


@pytest.mark.parametrize(
    ("title", "doc_type"),
    [
        ("在决胜全国文明城市誓师大会上的讲话", "讲话"),
        ("在听取巡察组巡察情况汇报会上的讲话", "讲话"),
        ("某某市人民政府办公室关于做好2024年春季森林防火工作的通知", "通知"),
        ("关于印发《全市创建全国文明城市实施方案》的通知", "通知"),
        ("2023年度社区党支部工作总结", "总结"),
        ("2024年安全生产月活动方案", "方案"),
        ("读《平凡的世界》有感", "心得体会"),
        ("学习二十大精神心得体会", "心得体会"),
        ("关于加快推进乡村振兴的实施意见", "意见"),
        ("政府工作报告", "报告"),
        ("中共某某县委关于表彰先进集体的决定", "决定"),
    ],
)
def test_doc_type_from_title(title: str, doc_type: str) -> None:
    assert doc_type_from_title(title) == doc_type


def test_doc_type_falls_back_to_text_then_other() -> None:
    assert doc_type_from_title("我省今年将新建改造农村公路5000公里") is None
    assert doc_type_from_text("同志们：\n今天我们召开全县乡村振兴工作会议。") == "讲话"
    assert classify_doc_type("森林防火", "各乡镇：\n现就有关事项通知如下：") == "通知"
    assert classify_doc_type("我省今年将新建改造农村公路5000公里", "记者4月1日从省交通运输厅获悉") == "其他"


def test_both_seed_speeches_are_speeches() -> None:
    for name in (WENMING, XUNCHA):
        doc, _ = speech(name)
        assert classify_doc_type(doc.title, doc.text) == "讲话"
