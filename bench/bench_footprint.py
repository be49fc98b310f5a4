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

Goals (issue 6): start-up <= 1.5 s; RSS <= 150 MB with the whole referential loaded.
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

GOAL_START_S = 1.5
GOAL_RSS_MB = 150.0


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
        }

    print(json.dumps(asyncio.run(go())), flush=True)
    return 0


def run_once(db_path: Path) -> dict[str, Any]:
    env = {**os.environ, "GUICHET_DATABASE_URL": f"sqlite:///{db_path}", "GUICHET_DEPARTEMENT": "90",
           "GUICHET_LOG_LEVEL": "WARNING"}
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
    add_output_args(parser, "footprint")
    args = parser.parse_args(argv)
    if args.child:
        return child()
    before = machine()
    runs: dict[str, list[dict[str, Any]]] = {"new_database": [], "existing_database": []}
    with tempfile.TemporaryDirectory(prefix="guichet-footprint-") as tmp:
        for i in range(args.reps):
            db = Path(tmp) / f"new-{i}" / "guichet.db"
            runs["new_database"].append(run_once(db))
            runs["existing_database"].append(run_once(db))  # same file again: already migrated (a restart)
    summary: dict[str, Any] = {}
    for case, items in runs.items():
        summary[case] = {key: round(median([r[key] for r in items]), 3)
                         for key in ("wall_to_ready_s", "cpu_to_ready_s", "store_open_s", "imports_s", "imports_app_config_s",
                                     "imports_engine_store_kb_alembic_s", "app_start_s", "in_process_to_ready_s",
                                     "rss_ready_mb", "rss_after_queries_mb", "vmhwm_mb", "ru_maxrss_mb", "kb_load_s")}
        summary[case]["offers"] = items[0].get("offers")
        summary[case]["communes_in_referential"] = items[0].get("communes_in_referential")
    print(table(["case", "wall to ready (s)", "CPU to ready (s)", "imports (s)", "App.start (s)", "KB load (s)",
                 "DB open+migrate (s)", "RSS ready (MB)", "RSS after queries (MB)", "peak VmHWM (MB)"],
                [[case, s["wall_to_ready_s"], s["cpu_to_ready_s"], s["imports_s"], s["app_start_s"], s["kb_load_s"],
                  s["store_open_s"], s["rss_ready_mb"],
                  s["rss_after_queries_mb"], s["vmhwm_mb"]] for case, s in summary.items()]))
    start = max(s["wall_to_ready_s"] for s in summary.values())
    rss = max(s["vmhwm_mb"] for s in summary.values())
    goals = [
        {"what": "start-up to ready, wall, median (worst case)", "goal_s": GOAL_START_S, "value_s": start,
         "verdict": verdict(start, GOAL_START_S)},
        {"what": "resident memory, peak VmHWM, median (worst case)", "goal_mb": GOAL_RSS_MB, "value_mb": rss,
         "verdict": verdict(rss, GOAL_RSS_MB)},
    ]
    for g in goals:
        print(f"goal: {g['what']}: {g.get('value_s', g.get('value_mb'))} -> {g['verdict']}")
    command = " ".join([".venv/bin/python bench/bench_footprint.py", *(sys.argv[1:] if argv is None else argv)])
    write_results(args, "footprint", command, {"goals": goals, "summary": summary, "runs": runs, "reps": args.reps},
                  before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
