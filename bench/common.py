"""Shared helpers of the benchmarks: machine description, percentiles, tables, JSON results, test data, PostgreSQL.

The benchmarks are scripts (``python bench/<name>.py``), not tests. Each one prints a Markdown table and writes its
figures with the machine's description to ``bench/results/<name>.json`` (``--out`` elsewhere, ``--no-write`` not
at all). Nothing here imports ``telegram``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_ENV = "GUICHET_TEST_POSTGRES_URL"

if str(ROOT) not in sys.path:  # scripts run as ``python bench/x.py`` from anywhere
    sys.path.insert(0, str(ROOT))


# --- machine --------------------------------------------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def ram_gib() -> float | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        return None


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=5)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
        commit = out.stdout.strip() or None
        if commit and dirty.stdout.strip():
            commit += " (+ uncommitted changes in the working tree)"
        return commit
    except (OSError, subprocess.SubprocessError):
        return None


def machine() -> dict[str, Any]:
    """What the figures were measured on (``loadavg`` tells whether the cores were shared)."""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "ram_gib": ram_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1_5_15": loadavg(),
        "git": git_commit(),
        "when_utc": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
    }


# --- statistics -----------------------------------------------------------------------------------------------------
def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); ``sorted_values`` must be sorted."""
    if not sorted_values:
        return float("nan")
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo))


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    """p50/p90/p99/max/mean in milliseconds (3 decimals) of durations given in seconds."""
    values = sorted(s * 1000.0 for s in seconds)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 3),
        "p90_ms": round(percentile(values, 90), 3),
        "p99_ms": round(percentile(values, 99), 3),
        "max_ms": round(values[-1], 3),
        "mean_ms": round(sum(values) / len(values), 3),
    }


def median(values: Sequence[float]) -> float:
    return percentile(sorted(values), 50)


class Stopwatch:
    """``with sw: ...`` appends the block's wall duration (seconds) to ``sw.samples`` and the CPU time this process
    spent meanwhile (all its threads: ``time.process_time``) to ``sw.cpu``. On a machine whose cores are shared with
    other work, wall time includes waiting for a core; CPU time does not (but it misses a database server's own
    work)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.cpu: list[float] = []
        self._t0 = 0.0
        self._c0 = 0.0

    def __enter__(self) -> "Stopwatch":
        self._c0 = time.process_time()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.samples.append(time.perf_counter() - self._t0)
        self.cpu.append(time.process_time() - self._c0)

    def add(self, wall: float, cpu: float) -> None:
        self.samples.append(wall)
        self.cpu.append(cpu)

    def summary(self) -> dict[str, Any]:
        """Wall figures, plus ``cpu_p50_ms``/``cpu_p99_ms``."""
        out = summary_ms(self.samples)
        cpu = summary_ms(self.cpu)
        if cpu.get("n"):
            out["cpu_p50_ms"] = cpu["p50_ms"]
            out["cpu_p99_ms"] = cpu["p99_ms"]
        return out


# --- output ---------------------------------------------------------------------------------------------------------
def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""

    def cell(x: Any) -> str:
        if isinstance(x, float):
            return f"{x:.3f}" if abs(x) < 100 else f"{x:.1f}"
        return "" if x is None else str(x)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float | None, goal: float) -> str:
    """"met" or "missed by N%" for an upper-bound goal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not measured"
    if value <= goal:
        return "met"
    return f"missed by {value - goal:.3g} ({(value / goal - 1) * 100:.0f}%)"


def add_output_args(parser: Any, name: str) -> None:
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / f"{name}.json",
                        help=f"where to write the JSON results (default: bench/results/{name}.json)")
    parser.add_argument("--no-write", action="store_true", help="print only, write no JSON file")


def write_results(args: Any, name: str, command: str, results: dict[str, Any], machine_before: dict[str, Any]) -> None:
    data = {
        "benchmark": name,
        "command": command,
        "machine": machine_before,
        "loadavg_after": loadavg(),
        "results": results,
    }
    if getattr(args, "no_write", False):
        return
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nresults written to {out}")


# --- labelled test data ---------------------------------------------------------------------------------------------
def load_needs(sets: Sequence[str] = ("dev", "heldout")) -> list[dict[str, Any]]:
    """Labelled needs of ``tests/data/<set>/needs.yaml`` with a ``set`` key added."""
    import yaml

    out: list[dict[str, Any]] = []
    for name in sets:
        path = ROOT / "tests" / "data" / name / "needs.yaml"
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                out.append({**item, "set": name})
    return out


def load_faq_questions(sets: Sequence[str] = ("dev", "heldout")) -> list[str]:
    import yaml

    out: list[str] = []
    for name in sets:
        path = ROOT / "tests" / "data" / name / "faq.yaml"
        if not path.exists():
            continue
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            text = item.get("text") or item.get("question") if isinstance(item, dict) else None
            if isinstance(text, str):
                out.append(text)
    return out


def clear_caches(*objects: Any) -> None:
    """Empty the ``lru_cache`` wrappers held as attributes (typo corrections) of the given objects."""
    for obj in objects:
        for value in list(vars(obj).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


# --- PostgreSQL -----------------------------------------------------------------------------------------------------
def pg_url() -> str:
    return os.environ.get(POSTGRES_ENV, "").strip() or DEFAULT_PG_URL


def libpq(url: str) -> str:
    """SQLAlchemy URL → libpq URL (drop a ``+driver``)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_reachable(url: str | None = None) -> tuple[bool, str]:
    url = url or pg_url()
    try:
        import psycopg

        with psycopg.connect(libpq(url), connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True, ""
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return False, f"PostgreSQL at {url} does not answer ({type(exc).__name__}: {str(exc).strip()[:120]})"


@contextlib.contextmanager
def pg_temp_database(url: str | None = None, prefix: str = "guichet_bench") -> Iterator[str]:
    """A fresh PostgreSQL database on the server of ``url`` (dropped afterwards); yields its plain URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = url or pg_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- tables for docs/performance.md ---------------------------------------------------------------------------------
def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _when(d: dict[str, Any]) -> str:
    m = d["machine"]
    return (f"measured {m['when_utc']} at {m.get('git')}, load average before {m['loadavg_1_5_15']}, after "
            f"{d.get('loadavg_after')}; `{d['command']}`")


def markdown() -> str:
    """The tables of ``docs/performance.md`` rebuilt from ``bench/results/*.json`` (``python bench/common.py``)."""
    out: list[str] = []
    first = next((d for d in (_load(n) for n in ("catalogue", "baselines", "engine", "footprint")) if d), None)
    if first:
        m = first["machine"]
        out.append(f"Machine: {m['nproc']} CPU ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}, "
                   f"{m['platform']}.\n")
    cat = _load("catalogue")
    if cat:
        out.append("### Knowledge at scale (`bench/bench_catalogue.py`)\n\n" + _when(cat) + "\n")
        rows = []
        for r in cat["results"]["runs"]:
            for key in ("match_no_commune", "match_commune", "detect_themes", "faq"):
                c, w = r[f"{key}_cold"], r[f"{key}_warm"]
                rows.append([r["label"], r["offers"], key, c["n"], c["p50_ms"], c["p99_ms"], c.get("cpu_p99_ms"),
                             w["p50_ms"], w["p99_ms"]])
        out.append(table(["catalogue", "offers", "query", "n", "p50 cold (ms)", "p99 cold (ms)", "CPU p99 cold (ms)",
                          "p50 warm (ms)", "p99 warm (ms)"], rows))
        out.append("")
        out.append(table(["catalogue", "generate + validate (s)", "matcher build (s)", "FAQ index build (s)",
                          "KnowledgeBase.load from YAML (s)"],
                         [[r["label"], r.get("generate_validate_s", "-"), r["matcher_build_s"], r["faq_index_build_s"],
                           r.get("kb_load_yaml_s", r.get("kb_load_s"))] for r in cat["results"]["runs"]]))
        out.append("")
    base = _load("baselines")
    if base:
        out.append("### Side by side (`bench/compare_baselines.py`)\n\n" + _when(base) + "\n")
        out.append(f"{base['results']['needs']} labelled needs (dev + held-out); PostgreSQL: {base['results']['postgres']}.\n")
        out.append(table(["method", "top-1", "top-3", "top-1 held-out", "top-3 held-out", "no result", "p50 (ms)",
                          "p99 (ms)", "CPU p99 (ms)"],
                         [[r["name"], r["all"]["top1"], r["all"]["top3"], r.get("heldout", {}).get("top1"),
                           r.get("heldout", {}).get("top3"), r["empty_results"], r["latency"].get("p50_ms"),
                           r["latency"].get("p99_ms"), r["latency"].get("cpu_p99_ms")]
                          for r in base["results"]["methods"]]))
        out.append("")
    eng = _load("engine")
    if eng:
        out.append("### Engine and export (`bench/bench_engine.py`)\n\n" + _when(eng) + "\n")
        runs = eng["results"]["runs"]
        out.append(table(["backend", "stored requests", "updates", "p50 (ms)", "p90 (ms)", "p99 (ms)", "max (ms)",
                          "CPU p50 (ms)", "CPU p99 (ms)", "filed/users"],
                         [[r["backend"], r["stored_requests"], r["updates"], r["latency"]["p50_ms"],
                           r["latency"]["p90_ms"], r["latency"]["p99_ms"], r["latency"]["max_ms"],
                           r["latency"].get("cpu_p50_ms"), r["latency"].get("cpu_p99_ms"),
                           f"{r['requests_filed']}/{r['users']}"] for r in runs]))
        out.append("")
        out.append(table(["backend", "step (heaviest first)", "n", "p50 (ms)", "p99 (ms)", "CPU p50 (ms)", "CPU p99 (ms)"],
                         [[r["backend"] + f" {r['stored_requests']}", step, v["n"], v["p50_ms"], v["p99_ms"],
                           v.get("cpu_p50_ms"), v.get("cpu_p99_ms")]
                          for r in runs for step, v in list(r["per_step"].items())[:3]]))
        out.append("")
        exports = [(r["backend"], r["stored_requests"], e) for r in runs for e in r.get("export", [])]
        if exports:
            out.append(table(["backend", "stored requests", "format", "median wall (s)", "runs (s)", "median CPU (s)",
                              "MB", "records"],
                             [[b, n, e["format"], e["median_s"], e["wall_s"], e["cpu_median_s"],
                               round(e["bytes"] / 1e6, 1), e["records_seen"]] for b, n, e in exports]))
            out.append("")
    foot = _load("footprint")
    if foot:
        out.append("### Footprint (`bench/bench_footprint.py`)\n\n" + _when(foot) + "\n")
        s = foot["results"]["summary"]
        out.append(table(["case (median of %d)" % foot["results"]["reps"], "wall to ready (s)", "CPU to ready (s)",
                          "imports (s)", "KB load (s)", "DB open+migrate (s)", "RSS ready (MB)", "peak RSS (MB)"],
                         [[case, v["wall_to_ready_s"], v["cpu_to_ready_s"], v["imports_s"], v["kb_load_s"],
                           v["store_open_s"], v["rss_ready_mb"], v["vmhwm_mb"]] for case, v in s.items()]))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
