"""Organisation names whole, on real official sentences; the labelled dev set as a gate."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from enrich_fixtures import segmented

from wenji.tasks.enrich.entities import find_entities

DEV_SCORER = Path(__file__).resolve().parents[2] / "bench" / "entities" / "score.py"
# Measured 0.972 / 0.957 on the 326 mentions of bench/entities/orgs_dev.jsonl (0.732 / 0.610 before).
MIN_PRECISION = MIN_RECALL = 0.9


def orgs(text: str) -> set[str]:
    _, sentences = segmented([text])
    return {e.text for e in find_entities(sentences) if e.kind == "org"}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # a cut name used to be 人民医院, 房屋管理局, 计生委办公厅
        ("9、广州市第一人民医院", {"广州市第一人民医院"}),
        ("53、广州市第十二人民医院", {"广州市第十二人民医院"}),
        (
            "此后，湖北省国土资源厅和重庆市国土资源和房屋管理局又分别对马鬃山村地质险情进行了实地调查。",
            {"湖北省国土资源厅", "重庆市国土资源和房屋管理局"},
        ),
        ("国家卫生计生委办公厅关于印发三级综合医院医疗服务能力指南的通知", {"国家卫生计生委办公厅"}),
        ("（5）广东省中医药管理局：徐庆锋局长", {"广东省中医药管理局"}),
        ("（10）省中医药协会会长：吕玉波", {"省中医药协会"}),
        ("县委巡察办指导协调好各巡察组问题线索的整理和移交工作。", {"县委巡察办"}),
        # 会同, 委托 and 和 between two bodies join two names, not one
        ("财政部会同农业部等有关部门研究提出了办理意见。", {"财政部", "农业部"}),
        ("巴东县人民政府委托中国地质大学进行了地质勘查，划定了危险区。", {"巴东县人民政府", "中国地质大学"}),
        ("因此，这项工作由外交部和总参谋部统一归口管理。", {"外交部", "总参谋部"}),
        ("要围绕县委县政府重大决策部署开展巡察监督。", {"县委", "县政府"}),
        # a verb before a body governs it
        ("要认真贯彻执行国务院发布的《破坏性地震应急条例》。", {"国务院"}),
        # the examples
        (
            "西安市中心医院、江苏省住房和城乡建设厅、武汉市公安局江汉分局、复旦大学附属华山医院派员参加。",
            {"西安市中心医院", "江苏省住房和城乡建设厅", "武汉市公安局江汉分局", "复旦大学附属华山医院"},
        ),
    ],
)
def test_names_are_whole(text: str, names: set[str]) -> None:
    assert orgs(text) == names


@pytest.mark.parametrize(
    "text",
    [
        # slogans and platforms are formulations, whatever they end with
        "实现数据同源、服务同根、一次认证、一网通办。",
        "深化“最多跑一次”改革，推行“接诉即办”，建设“互联网+政务服务”平台。",
        "推动更多事项“掌上办”。",
        # kinds of body, websites, generic references
        "县级政务新媒体要与本地区融媒体中心建立沟通协调机制。",
        "建设服务型政府的重要手段。",
        "到2022年，建成以中国政府网政务新媒体为龙头的政务新媒体矩阵体系。",
        "各级地震部门要协助各级人民政府搞好防震减灾各个环节的工作。",
        "要充分发挥“参谋部”“指挥部”“战斗部”作用。",
    ],
)
def test_no_organisation(text: str) -> None:
    assert orgs(text) == set()


def test_dev_set_gate() -> None:
    spec = importlib.util.spec_from_file_location("org_dev_score", DEV_SCORER)
    assert spec is not None and spec.loader is not None
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    rows = [json.loads(line) for line in scorer.DEV.read_text(encoding="utf-8").splitlines() if line]
    result, _ = scorer.score(rows)
    assert result["gold"] >= 200
    assert result["precision"] >= MIN_PRECISION and result["recall"] >= MIN_RECALL, result
