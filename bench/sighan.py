"""Word segmentation F1 on the SIGHAN 2005 (icwb2) PKU and MSR test sets: bare jieba against the pipeline's
segmenter (jieba's dictionary plus our official-discourse dictionary), a regression check for dictionary
changes. The domain dictionary is not meant to help on newswire: it must not hurt it either.

The test sets are public (https://github.com/yuikns/icwb2-data, not in this repository): point --data at a
checkout holding testing/{pku,msr}_test.utf8 and gold/{pku,msr}_test_gold.utf8. Scores are the usual
word-level ones: a word is right when both its ends match the gold segmentation.

    .venv/bin/python bench/sighan.py --data ~/icwb2-data
    .venv/bin/python bench/sighan.py --data ~/icwb2-data --official-dict old_dict.txt   # another version
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from wenji.tasks import segment
from wenji.tasks.settings import SegmentConfig

SETS = ("pku", "msr")


def spans(words: Iterable[str]) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for w in words:
        out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def score(cut: Callable[[str], list[str]], test: Path, gold: Path) -> dict[str, float]:
    tp = n_pred = n_gold = 0
    for line, ref in zip(
        test.read_text(encoding="utf-8").splitlines(),
        gold.read_text(encoding="utf-8").splitlines(),
        strict=True,
    ):
        text = line.strip()
        if not text:
            continue
        g = spans(ref.split())
        p = spans(w for w in cut(text) if not w.isspace())
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
    prec, rec = tp / n_pred, tp / n_gold
    return {
        "precision": round(prec, 4),
        "recall": round(rec, 4),
        "f1": round(2 * prec * rec / (prec + rec), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="icwb2-data checkout")
    ap.add_argument("--engine", default="auto", choices=segment.ENGINES)
    ap.add_argument(
        "--official-dict", type=Path, help="score another version of tasks/data/dict_official.txt"
    )
    ap.add_argument("--no-baseline", action="store_true", help="skip bare jieba")
    args = ap.parse_args()
    if args.official_dict:
        segment.OFFICIAL_DICT = args.official_dict
    seg = segment.get_segmenter(SegmentConfig(engine=args.engine))
    cases: dict[str, Callable[[str], list[str]]] = {"wenji": lambda t: [w for w, _ in seg.tag(t)]}
    if isinstance(seg, segment.LongerWordFirst):  # the engine's own cut, before the overlap repair
        cases["no repair"] = lambda t: [w for w, _ in seg.engine.tag(t)]
    if not args.no_baseline:
        import jieba

        cases["bare jieba"] = lambda t: jieba.lcut(t, HMM=True)
    results = {}
    for name, cut in cases.items():
        for s in SETS:
            r = score(
                cut, args.data / "testing" / f"{s}_test.utf8", args.data / "gold" / f"{s}_test_gold.utf8"
            )
            results[f"{name} {s}"] = r
            print(f"{name:12} {s}: P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
