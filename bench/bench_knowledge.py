#!/usr/bin/env python3
"""Knowledge benchmarks: load time, and p50/p99 per query of match, FAQ and commune resolution.

Usage::

    .venv/bin/python bench/bench_knowledge.py                      # shipped knowledge base
    .venv/bin/python bench/bench_knowledge.py --rounds 10
    .venv/bin/python bench/bench_knowledge.py --synthetic 1000,10000  # also generated catalogues of N offers

Queries: the dev sets (``tests/data/dev/needs.yaml``, ``faq.yaml``, ``communes.yaml``), each query run ``--rounds``
times after one warm-up pass (a running bot has warm caches). Not part of the test suite. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEV = ROOT / "tests" / "data" / "dev"


def _texts(name: str) -> list[str]:
    path = DEV / name
    if not path.exists():
        return []
    return [str(item.get("text", "")) for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []]


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def _time_queries(fn: Callable[[str], Any], queries: list[str], rounds: int) -> tuple[float, float, float, float, int]:
    """(wall p50, wall p99, CPU p50, CPU p99) in ms, and the number of timed queries. The CPU time of the thread is
    what the code costs; wall time also counts waiting for a core on a busy machine."""
    for q in queries:  # warm-up
        fn(q)
    wall: list[float] = []
    cpu: list[float] = []
    gc.disable()
    try:
        for _ in range(rounds):
            for q in queries:
                c0, w0 = time.thread_time(), time.perf_counter()
                fn(q)
                wall.append(time.perf_counter() - w0)
                cpu.append(time.thread_time() - c0)
    finally:
        gc.enable()
    return (
        statistics.median(wall) * 1000,
        _percentile(wall, 0.99) * 1000,
        statistics.median(cpu) * 1000,
        _percentile(cpu, 0.99) * 1000,
        len(wall),
    )


def synthetic_offers(offers: dict[str, Any], n: int, seed: int = 7) -> dict[str, Any]:
    """``n`` offers made from the real ones: ids suffixed, keywords and provided items mixed with other offers'
    and with made-up words, so that the index has the size and the vocabulary spread of a national catalogue."""
    rng = random.Random(seed)
    base = list(offers.values())
    pool_kw = [k for o in base for k in o.keywords]
    pool_pr = [p for o in base for p in o.provides]
    syllables = ["ra", "mo", "ti", "ve", "lu", "ka", "po", "ne", "si", "do", "fe", "gu", "ba", "ri", "zo", "che"]
    out: dict[str, Any] = {}
    for i in range(n):
        src = base[i % len(base)]
        made_up = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(4)]
        keywords = list(src.keywords[:8]) + rng.sample(pool_kw, 6) + made_up
        provides = list(src.provides[:3]) + rng.sample(pool_pr, 2)
        oid = f"{src.id}-{i:05d}"
        out[oid] = src.model_copy(
            update={"id": oid, "name": f"{src.name} {made_up[0]}", "keywords": keywords, "provides": provides}
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Knowledge benchmarks")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--synthetic", default="", help="comma-separated catalogue sizes, e.g. 1000,10000")
    args = parser.parse_args(argv)
    dep = os.environ.get("GUICHET_DEPARTEMENT", "90")

    needs, faqs, communes = _texts("needs.yaml"), _texts("faq.yaml"), _texts("communes.yaml")
    rows: list[tuple[str, ...]] = []

    def timed(label: str, fn: Callable[[str], Any], queries: list[str], rounds: int) -> None:
        w50, w99, c50, c99, n = _time_queries(fn, queries, rounds)
        rows.append((label, f"{w50:.2f} ms", f"{w99:.2f} ms", f"{c50:.2f} ms", f"{c99:.2f} ms", str(n)))

    # load time, in a fresh interpreter would include imports: measure both the imports and the load here
    t0 = time.perf_counter()
    from knowledge.base import KnowledgeBase  # noqa: E402

    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    kb = KnowledgeBase.load(dep)
    t_load = time.perf_counter() - t1
    rows.append(("load (offers, FAQ, themes, territory, indexes)", f"{t_load * 1000:.0f} ms", "", "", "", "1"))
    rows.append(("imports of knowledge.base", f"{t_import * 1000:.0f} ms", "", "", "", "1"))

    commune = "90052"
    timed(f"match ({len(kb.offers)} offers, commune given)", lambda q: kb.match(q, commune_code=commune), needs, args.rounds)
    timed(f"faq ({len(kb.faq)} entries)", kb.answer, faqs, args.rounds)
    if communes:
        timed("commune / EPCI resolution", kb.resolve, communes, args.rounds)

    for size in [int(s) for s in args.synthetic.split(",") if s.strip()]:
        from knowledge.search import Matcher

        offers = synthetic_offers(kb.offers, size)
        t = time.perf_counter()
        matcher = Matcher(offers, kb.themes, territory=kb.territory, departement=dep)
        build = time.perf_counter() - t
        rows.append((f"index build, {size} generated offers", f"{build * 1000:.0f} ms", "", "", "", "1"))
        timed(f"match, {size} generated offers", lambda q, m=matcher: m.match(q, commune_code=commune), needs, max(1, args.rounds // 2))

    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPU, {platform.python_implementation()} {platform.python_version()}")
    print(f"Load average at the end: {os.getloadavg()[0]:.1f}")
    print("| measure | wall p50 (or value) | wall p99 | CPU p50 | CPU p99 | n |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
