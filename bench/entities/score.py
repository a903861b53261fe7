"""Organisation names on a labelled dev set of real official prose: precision and recall of whole names.

`orgs_dev.jsonl` holds one sentence per line with the organisation mentions a reader would count, written
whole as in the text (source: the page it was copied from). Sentences come from 15 State Council documents
on gov.cn (copied in a public repository's SQL dump), a provincial association's notice with its list of
member hospitals, a national health commission notice, and the seed speeches page.

Labelling rule: a mention is a specific body named with a head word (……部, ……局, ……厅, ……委, ……办, ……院,
……医院, ……大学, ……公司, ……协会, 人大, 政协, 党中央, 市委 …), whole: with the places, ordinals and parent
bodies written before it (湖北省国土资源厅, 广州市第一人民医院, 县委巡察办). Coordinated bodies are
separate mentions (市委市政府 → 市委, 市政府; 中央宣传部会同财政部 → 中央宣传部, 财政部). Not mentions:
generic references (各级人民政府, 地方政府, 有关部门, 党委（党组）, 医院 in general), websites
(中国政府网, 中央政府门户网站), meetings (国务院常务会议, 市委经济工作会), types of facility
(便民服务中心, 融媒体中心), slogans and platforms (一网通办, 掌上办), and abbreviations without a head
word (中大附二, 太钢).

A predicted mention is an entity of kind org; counts are compared per sentence as multisets, so a name cut
short (人民医院 for 广州市第一人民医院) is one false positive and one false negative.

    .venv/bin/python bench/entities/score.py            # scores, then the misses
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from wenji.tasks.enrich.entities import find_entities
from wenji.tasks.records import Sentence
from wenji.tasks.segment import get_segmenter, tag_sentence
from wenji.tasks.settings import SegmentConfig

DEV = Path(__file__).with_name("orgs_dev.jsonl")


def predicted(text: str) -> Counter[str]:
    words, pos = tag_sentence(text, get_segmenter(SegmentConfig()))
    sentence = Sentence(0, 0, 0, len(text), text, words, pos)
    return Counter({e.text: e.count for e in find_entities([sentence]) if e.kind == "org"})


def score(rows: list[dict]) -> tuple[dict[str, float], list[tuple[str, list[str], list[str]]]]:
    tp = n_pred = n_gold = 0
    errors = []
    for row in rows:
        gold, pred = Counter(row["orgs"]), predicted(row["text"])
        hit = sum((gold & pred).values())
        tp += hit
        n_pred += sum(pred.values())
        n_gold += sum(gold.values())
        if gold != pred:
            errors.append((row["text"], sorted((gold - pred).elements()), sorted((pred - gold).elements())))
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "sentences": len(rows),
        "gold": n_gold,
        "predicted": n_pred,
        "correct": tp,
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(f, 3),
    }, errors


def main() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    result, errors = score(rows)
    print(json.dumps(result, ensure_ascii=False))
    if "-q" not in sys.argv:
        for text, missed, extra in errors:
            print(f"- missed {missed} extra {extra}: {text[:80]}")


if __name__ == "__main__":
    main()
