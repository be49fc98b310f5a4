"""Footprint: resident memory after ``App.start()`` and start-up time to ready, in fresh subprocesses.

    .venv/bin/python bench/bench_footprint.py            # 5 repetitions, median
    .venv/bin/python bench/bench_footprint.py --reps 1 --no-write

Each repetition starts a new interpreter (``python bench/bench_footprint.py --child``) that imports the application,
runs ``bot.app.App.start()`` (knowledge base with offers, FAQ, themes and the territory referential; SQLite database
opened and migrated to head), prints one JSON line and exits. Measured:

* **start-up to ready**: wall time from the parent's ``Popen`` to the child's "ready" line (interpreter start, imports,
  KB load, DB open/migrate), for a new database (migrations from scratch) and for an existing one (a restart);
  the child also reports its own split: imports (``bot.app``; then the modules ``App.start`` would import lazily:
  engine, store, knowledge, alembic), ``App.start`` = KB load (``kb.load_seconds``) + DB open/migrate;
* **resident memory**: ``VmRSS`` (``/proc/self/status``) after ``App.start()``, after a few queries (match, FAQ,
  commune), and the peak (``VmHWM``; ``resource.getrusage`` max RSS).

Goals (issue 18, with the sentence encoder): start-up <= 3 s with a warm vector cache; RSS <= 250 MB; ``match`` p99
<= 60 ms on the shipped base, encoding included (each need a new text: nothing memoised). The child also loads the
act reader (``intents.acts.warm``) and reads a few messages. ``--lexical`` runs the same without the encoder
(``GUICHET_ENCODER=none``). The first repetition fills the vector cache (``GUICHET_CACHE_DIR``, a temporary
directory shared by the repetitions): the median is over warm starts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_START_S = 3.0
GOAL_RSS_MB = 250.0
GOAL_MATCH_P99_MS = 60.0


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


def child() -> int:
    """Runs in the fresh subprocess: start the app, report, exit."""
    t0 = time.perf_counter()
    import asyncio

    from bot.app import App
    from bot.config import load_settings

    t_light = time.perf_counter()
    # What App.start imports lazily, imported here first only to split the time (the total is the same).
    import alembic.command  # noqa: F401
    import bot.dialogue.engine  # noqa: F401
    import bot.store.repository  # noqa: F401
    import knowledge.base  # noqa: F401

    t_import = time.perf_counter()

    async def go() -> dict[str, Any]:
        app = await App.start(load_settings())
        from intents import acts

        acts.warm()
        ready = time.perf_counter()
        print("READY", flush=True)
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_ready = usage.ru_utime + usage.ru_stime
        rss_ready = _status_kb("VmRSS")
        kb = app.kb
        for text in ("renover l'ecole", "maison de sante", "pas de reseau mobile", "inondations riviere"):
            kb.match(text, "90052")  # type: ignore[attr-defined]
        kb.answer("c'est quoi PVD")  # type: ignore[attr-defined]
        kb.resolve("giromagni")  # type: ignore[attr-defined]
        for text in ("bjr ou en est ma demande", "merci bonne journee", "pardon c'est Lepuix pas Giromagny"):
            acts.classify(text)
        import yaml

        needs = yaml.safe_load((Path(__file__).resolve().parents[1] / "tests/data/dev/needs.yaml").read_text())[:60]
        times = []
        for item in needs:
            t = time.perf_counter()
            kb.match(str(item["text"]), item.get("commune"))  # type: ignore[attr-defined]
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        rss_used = _status_kb("VmRSS")
        offers = len(kb.offers)  # type: ignore[attr-defined]
        territory = kb.territory  # type: ignore[attr-defined]
        communes = len(getattr(territory, "_communes", None) or ())
        await app.close()

        return {
            "cpu_to_ready_s": round(cpu_ready, 3),
            "store_open_s": round(ready - t_import - getattr(kb, "load_seconds", 0.0), 3),  # + engine build
            "imports_s": round(t_import - t0, 3),
            "imports_app_config_s": round(t_light - t0, 3),
            "imports_engine_store_kb_alembic_s": round(t_import - t_light, 3),
            "app_start_s": round(ready - t_import, 3),
            "in_process_to_ready_s": round(ready - t0, 3),
            "rss_ready_mb": _mb(rss_ready),
            "rss_after_queries_mb": _mb(rss_used),
            "vmhwm_mb": _mb(_status_kb("VmHWM")),
            "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "offers": offers,
            "communes_in_referential": communes,
            "kb_load_s": round(getattr(kb, "load_seconds", 0.0), 3),
            "match_p50_ms": round(times[len(times) // 2], 1),
            "match_p99_ms": round(times[min(len(times) - 1, int(0.99 * len(times)))], 1),
            "encoder": getattr(getattr(kb, "hybrid", None), "encoder", None) and kb.hybrid.encoder.model_id,
        }

    print(json.dumps(asyncio.run(go())), flush=True)
    return 0


def run_once(db_path: Path, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    env = {**os.environ, "GUICHET_DATABASE_URL": f"sqlite:///{db_path}", "GUICHET_DEPARTEMENT": "90",
           "GUICHET_LOG_LEVEL": "WARNING", **(extra_env or {})}
    env.pop("GUICHET_TELEGRAM_TOKEN", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tempfile.gettempdir())
    assert proc.stdout is not None
    wall_ready = None
    report: dict[str, Any] = {}
    for line in proc.stdout:
        if line.strip() == "READY" and wall_ready is None:
            wall_ready = time.perf_counter() - t0
        elif line.startswith("{"):
            report = json.loads(line)
    proc.wait(timeout=120)
    if proc.returncode != 0 or wall_ready is None:
        raise RuntimeError(f"child failed ({proc.returncode}): {proc.stderr.read()[-800:] if proc.stderr else ''}")
    return {"wall_to_ready_s": round(wall_ready, 3), **report}


def main(argv: list[str] | None = None) -> int:
    from bench.common import add_output_args, machine, median, table, verdict, write_results

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each case (median reported)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--lexical", action="store_true", help="without the sentence encoder (GUICHET_ENCODER=none)")
    add_output_args(parser, "footprint")
    args = parser.parse_args(argv)
    if args.child:
        return child()
    before = machine()
    runs: dict[str, list[dict[str, Any]]] = {"new_database": [], "existing_database": []}
    with tempfile.TemporaryDirectory(prefix="guichet-footprint-") as tmp:
        extra = {"GUICHET_CACHE_DIR": str(Path(tmp) / "cache")}
        if args.lexical:
            extra["GUICHET_ENCODER"] = "none"
        cold = run_once(Path(tmp) / "cold" / "guichet.db", extra)  # fills the vector cache
        print(f"cold start (vector cache empty): {cold['wall_to_ready_s']} s")
        for i in range(args.reps):
            db = Path(tmp) / f"new-{i}" / "guichet.db"
            runs["new_database"].append(run_once(db, extra))
            runs["existing_database"].append(run_once(db, extra))  # same file again: already migrated (a restart)
    summary: dict[str, Any] = {}
    for case, items in runs.items():
        summary[case] = {key: round(median([r[key] for r in items]), 3)
                         for key in ("wall_to_ready_s", "cpu_to_ready_s", "store_open_s", "imports_s", "imports_app_config_s",
                                     "imports_engine_store_kb_alembic_s", "app_start_s", "in_process_to_ready_s",
                                     "rss_ready_mb", "rss_after_queries_mb", "vmhwm_mb", "ru_maxrss_mb", "kb_load_s",
                                     "match_p50_ms", "match_p99_ms")}
        summary[case]["encoder"] = items[0].get("encoder")
        summary[case]["offers"] = items[0].get("offers")
        summary[case]["communes_in_referential"] = items[0].get("communes_in_referential")
    print(table(["case", "wall to ready (s)", "CPU to ready (s)", "imports (s)", "App.start (s)", "KB load (s)",
                 "DB open+migrate (s)", "RSS ready (MB)", "RSS after queries (MB)", "peak VmHWM (MB)", "match p50 (ms)",
                 "match p99 (ms)"],
                [[case, s["wall_to_ready_s"], s["cpu_to_ready_s"], s["imports_s"], s["app_start_s"], s["kb_load_s"],
                  s["store_open_s"], s["rss_ready_mb"],
                  s["rss_after_queries_mb"], s["vmhwm_mb"], s["match_p50_ms"], s["match_p99_ms"]]
                 for case, s in summary.items()]))
    print(f"encoder: {summary['new_database'].get('encoder') or 'none (lexical path)'}")
    start = max(s["wall_to_ready_s"] for s in summary.values())
    rss = max(s["vmhwm_mb"] for s in summary.values())
    p99 = max(s["match_p99_ms"] for s in summary.values())
    goals = [
        {"what": "start-up to ready, wall, median (worst case)", "goal_s": GOAL_START_S, "value_s": start,
         "verdict": verdict(start, GOAL_START_S)},
        {"what": "resident memory, peak VmHWM, median (worst case)", "goal_mb": GOAL_RSS_MB, "value_mb": rss,
         "verdict": verdict(rss, GOAL_RSS_MB)},
        {"what": "match p99, encoding included, median (worst case)", "goal_ms": GOAL_MATCH_P99_MS, "value_ms": p99,
         "verdict": verdict(p99, GOAL_MATCH_P99_MS)},
    ]
    for g in goals:
        print(f"goal: {g['what']}: {g.get('value_s', g.get('value_mb', g.get('value_ms')))} -> {g['verdict']}")
    command = " ".join([".venv/bin/python bench/bench_footprint.py", *(sys.argv[1:] if argv is None else argv)])
    write_results(args, "footprint", command, {"goals": goals, "summary": summary, "runs": runs, "reps": args.reps},
                  before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
