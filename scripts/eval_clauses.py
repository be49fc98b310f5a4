#!/usr/bin/env python3
"""The readers of a stage and of a kind of help said in words, measured on clauses written blind
(``tests/data/clauses``): the path a clause takes in a message (``bot.dialogue.answers.ENTITY_EXTRACTORS``: the rules,
then the labelled clauses).

Usage::

    PYTHONPATH=. .venv/bin/python scripts/eval_clauses.py --dev-only --show-errors   # while tuning
    PYTHONPATH=. .venv/bin/python scripts/eval_clauses.py                            # dev and held-aside aggregates

A stage clause is right when the reading is its value (``aucun``: no stage read); a help clause when its value is
among the kinds read (``aucun``: none read). Also printed: how often a clause with a value is read as another value
(wrong) rather than as nothing (missed). Held-aside misses are never printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.dialogue.answers import ENTITY_EXTRACTORS  # noqa: E402

DATA = ROOT / "tests" / "data" / "clauses"
NONE = "aucun"


def read(kind: str, text: str) -> list[str]:
    found = ENTITY_EXTRACTORS[kind](text)
    if not found:
        return []
    return [found] if isinstance(found, str) else list(found)


def measure(path: Path, show: bool) -> dict[str, dict[str, float]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for kind in ("stage", "help"):
        n = right = wrong = missed = false_alarm = 0
        for value, texts in (data.get(kind) or {}).items():
            for text in texts:
                n += 1
                got = read(kind, text)
                if value == NONE:
                    ok = not got
                    false_alarm += not ok
                else:
                    ok = value in got if kind == "help" else got == [value]
                    if not ok:
                        wrong += bool(got)
                        missed += not got
                right += ok
                if show and not ok:
                    print(f"  {kind} {value:>16} ← {got or '-'}  {text}")
        out[kind] = {"clauses": n, "right": round(100 * right / n, 1) if n else 0.0,
                     "wrong": wrong, "missed": missed, "false_alarm": false_alarm}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev-only", action="store_true")
    ap.add_argument("--show-errors", action="store_true", help="dev misses only")
    args = ap.parse_args()
    sets = [("dev", DATA / "dev.yaml")] + ([] if args.dev_only else [("held-aside", DATA / "heldout.yaml")])
    for name, path in sets:
        figures = measure(path, show=args.show_errors and name == "dev")
        for kind, f in figures.items():
            print(f"{name} {kind}: {f['right']} % right of {f['clauses']} (read as another value {f['wrong']}, "
                  f"missed {f['missed']}, read where none is said {f['false_alarm']})")


if __name__ == "__main__":
    main()
