#!/usr/bin/env python3
"""Resolution rate of knowledge.territory on a labelled set of commune / EPCI spellings.

Usage::

    python scripts/eval_communes.py [FILE ...] [--departement 90] [--verbose]

Default files: ``tests/data/dev/communes.yaml`` and, when present, ``tests/data/heldout/communes.yaml``.
Each item: ``{text, expected: code | null, kind: commune | epci | ambiguous | outside | none, include: [codes]}``.
An item passes when:

* ``commune`` / ``epci``: ``resolved == expected`` and ``outside`` is False;
* ``outside``: ``resolved == expected`` (when given) and ``outside`` is True;
* ``ambiguous``: nothing resolved (``expected`` null), and the codes of ``include`` (if any) among the candidates;
  when ``expected`` is a code, it must be among the candidates;
* ``none``: nothing resolved and no candidate.

Also prints p50 / p99 latency per query (same process, data already loaded).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from knowledge.territory import Resolution, Territory  # noqa: E402

DEFAULT_FILES = [ROOT / "tests" / "data" / "dev" / "communes.yaml", ROOT / "tests" / "data" / "heldout" / "communes.yaml"]


@dataclass
class Outcome:
    item: dict
    resolution: Resolution
    ok: bool
    seconds: float


def check(item: dict, r: Resolution) -> bool:
    kind = item.get("kind")
    expected = item.get("expected")
    expected = str(expected) if expected is not None else None
    codes = [c.code for c in r.candidates]
    if kind in ("commune", "epci"):
        return r.resolved == expected and not r.outside
    if kind == "outside":
        return r.outside and (expected is None or r.resolved == expected)
    if kind == "ambiguous":
        if r.resolved is not None:
            return False
        must = [str(c) for c in item.get("include") or []] + ([expected] if expected else [])
        return all(c in codes for c in must)
    if kind == "none":
        return r.resolved is None and not r.candidates
    return r.resolved == expected


def evaluate(territory: Territory, items: list[dict]) -> list[Outcome]:
    out = []
    for item in items:
        text = item.get("text")
        text = "" if text is None else str(text)
        t0 = time.perf_counter()
        r = territory.resolve(text)
        dt = time.perf_counter() - t0
        out.append(Outcome(item, r, check(item, r), dt))
    return out


def summary(outcomes: list[Outcome]) -> dict:
    n = len(outcomes)
    ok = sum(o.ok for o in outcomes)
    times = sorted(o.seconds * 1000 for o in outcomes) or [0.0]
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    return {"n": n, "ok": ok, "rate": ok / n if n else 0.0, "p50_ms": statistics.median(times), "p99_ms": p99}


def load_items(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict):  # tolerate {items: [...]}
        data = data.get("items") or data.get("communes") or []
    return [d for d in data if isinstance(d, dict)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Resolution rate on labelled commune/EPCI spellings.")
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--departement", default="90")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every failure")
    args = parser.parse_args(argv)
    files = args.files or [f for f in DEFAULT_FILES if f.exists()]

    t0 = time.perf_counter()
    territory = Territory.load(args.departement)
    print(f"load: {(time.perf_counter() - t0) * 1000:.0f} ms")
    for path in files:
        outcomes = evaluate(territory, load_items(path))
        s = summary(outcomes)
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {s['ok']}/{s['n']} = {s['rate']:.1%} "
            f"(p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms)"
        )
        if args.verbose:
            for o in outcomes:
                if not o.ok:
                    cands = ", ".join(f"{c.code} {c.name} ({c.departement}) {c.score}" for c in o.resolution.candidates[:4])
                    print(
                        f"  FAIL {o.item.get('text')!r} expected {o.item.get('expected')} ({o.item.get('kind')}) -> "
                        f"resolved {o.resolution.resolved} outside={o.resolution.outside} [{cands}]"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
