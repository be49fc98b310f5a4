#!/usr/bin/env python3
"""The need distiller's clause labels, measured on clauses written blind (``tests/data/need_clauses/messages.yaml``:
60 messages cut into 805 labelled clauses by a writer who read only its brief, ``BRIEF.md`` there).

    PYTHONPATH=. .venv/bin/python scripts/eval_need_clauses.py

Prints the share of clauses whose label (the nearest labelled clauses' vote, ``intents.distill``) is the writer's,
the recall of each label, and the precision and recall of « project » (what the stored need keeps). These clauses are
not read by the distiller: adding them to its labelled clauses raised this figure on the other half of the messages
(70 % → 81 %) but lowered the dev stories (docs/quality.md, issue 19, session of 2026-12-08): the writers' conventions
for the why of a project differ. A measure, not a target.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intents import distill as d  # noqa: E402
from intents.clauses import Clause  # noqa: E402

DATA = ROOT / "tests" / "data" / "need_clauses" / "messages.yaml"


def main() -> int:
    from intents import encoder

    encoder.configure()
    msgs = yaml.safe_load(DATA.read_text(encoding="utf-8")) or []
    gold = [str(lab) for m in msgs for lab, _ in m["clauses"]]
    texts = [str(t) for m in msgs for _, t in m["clauses"]]
    labelled = d.label_clauses([Clause(t, 0, len(t)) for t in texts])
    if labelled is None:
        print("no encoder: nothing measured")
        return 1
    pred = [c.label for c in labelled]
    right = sum(p == g for p, g in zip(pred, gold))
    print(f"need clauses written blind: {right}/{len(gold)} labelled as the writer did ({right / len(gold):.1%})")
    for lab in sorted(set(gold)):
        idx = [i for i, g in enumerate(gold) if g == lab]
        got = Counter(pred[i] for i in idx)
        print(f"  {lab:10s} recall {got[lab] / len(idx):.0%} of {len(idx)}; read as {dict(got.most_common(3))}")
    tp = sum(p == g == "project" for p, g in zip(pred, gold))
    fp = sum(p == "project" != g for p, g in zip(pred, gold))
    fn = sum(g == "project" != p for p, g in zip(pred, gold))
    print(f"  « project » (kept in the need): precision {tp / max(1, tp + fp):.0%}, recall {tp / max(1, tp + fn):.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
