"""People, places, organisations and meetings in real official sentences."""

from __future__ import annotations

from enrich_fixtures import WENMING, XUNCHA, segmented, speech

from wenji.tasks.enrich.entities import find_entities, is_place


def names(paragraph: str) -> dict[tuple[str, str], int]:
    _, sentences = segmented([paragraph])
    return {(e.kind, e.text): e.count for e in find_entities(sentences)}


def test_organisation_names_are_built_from_their_parts() -> None:
    found = names("市委市政府督查办公室、市文明办、市创文办要拧成一股绳。市应急管理局和县公安局牵头。")
    assert found[("org", "市委市政府督查办公室")] == 1
    assert ("org", "市文明办") in found
    assert ("org", "市应急管理局") in found
    assert ("org", "县公安局") in found
    assert not any(text in {"办公室", "局"} for _, text in found)


def test_meetings_and_people() -> None:
    found = names("习近平总书记在北京主持召开中央政治局会议。我们在这里召开决胜全国文明城市誓师大会。")
    assert ("person", "习近平") in found
    assert ("place", "北京") in found
    assert ("meeting", "中央政治局会议") in found
    assert ("meeting", "全国文明城市誓师大会") in found
    assert ("meeting", "会议") not in found


def test_common_words_are_not_entities() -> None:
    # jieba tags 红旗 nr, 城市 and 美丽 ns, 新格局 nt: none of them is a name.
    found = names("持续深化三洗六见一红旗活动，建设美丽城市，构建新发展格局和新格局，服务全局。")
    assert found == {}


def test_counts_over_a_whole_speech() -> None:
    entities = find_entities(speech(WENMING)[1])
    counts = {(e.kind, e.text): e.count for e in entities}
    assert counts[("org", "市委")] >= 5
    assert counts[("meeting", "全国文明城市誓师大会")] == 1  # the title is not in the text
    assert ("org", "省委宣传部") in counts
    assert entities == sorted(entities, key=lambda e: (-e.count, e.first_sentence_no, e.text))
    xuncha = {(e.kind, e.text) for e in find_entities(speech(XUNCHA)[1])}
    assert {("meeting", "十九届四中全会"), ("org", "县委巡察办"), ("org", "县委")} <= xuncha
    # the speech only says 各巡察组 and X 个巡察组: every team, not one body
    assert ("org", "巡察组") not in xuncha


def test_place_rule() -> None:
    assert is_place("泽州", "ns") and is_place("河南省", "ns") and is_place("中国", "ns")
    assert not is_place("城市", "ns") and not is_place("东西", "ns") and not is_place("泽州", "n")
