"""The extraction benchmark's scoring: character-bag precision/recall/F1 on real Chinese text."""

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "extraction_score", Path(__file__).resolve().parents[2] / "bench" / "extraction" / "score.py"
)
assert _SPEC and _SPEC.loader
score = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = score  # dataclasses look their module up while the class is built
_SPEC.loader.exec_module(score)

GOLD = "各乡镇人民政府、县直各单位：\n节日期间人员流动频繁，安全风险明显上升。"


def test_identical_text_scores_one_whatever_the_spacing_and_punctuation() -> None:
    s = score.score_text("各乡镇人民政府 县直各单位:节日期间人员流动频繁,安全风险明显上升", GOLD)
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


def test_missing_half_halves_recall() -> None:
    half = "节日期间人员流动频繁安全风险明显上升"  # 18 characters
    gold = half + "，各乡镇人民政府县直各单位同志们大家好"  # and 18 more
    s = score.score_text(half, gold)
    assert s.precision == 1.0
    assert s.recall == pytest.approx(0.5)


def test_boilerplate_lowers_precision_not_recall() -> None:
    s = score.score_text(
        GOLD + "\n上一篇：没有了 下一篇：关于开展调查的通知 版权所有 京ICP备12345678号", GOLD
    )
    assert s.recall == 1.0
    assert s.precision < 0.7


def test_gold_from_article_source_keeps_body_and_drops_heading_marker() -> None:
    raw = "id: 1\ntitle: 标题\n---\n同志们：\n## 一、总体要求\n正文。\n"
    assert score.gold_text(raw) == "同志们：\n一、总体要求\n正文。"
