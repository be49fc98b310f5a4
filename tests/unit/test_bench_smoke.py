"""The benchmarks still run (tiny sizes, results to a temporary file). No timing is asserted: only that each script
finishes, writes its JSON with the machine's description, and that the figures it reports are sane."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def _run(script: str, out: Path, *args: str, timeout: int = 300) -> dict:
    proc = subprocess.run([sys.executable, str(BENCH / script), *args, "--out", str(out)], capture_output=True,
                          text=True, timeout=timeout, cwd=str(out.parent))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["machine"]["nproc"] >= 1 and data["machine"]["python"]
    assert data["command"].startswith(".venv/bin/python bench/")
    return data


def test_common_percentiles_and_verdict() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.common import percentile, summary_ms, verdict

    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    s = summary_ms([0.001] * 99 + [0.1])
    assert s["n"] == 100 and s["p50_ms"] == 1.0 and s["max_ms"] == 100.0 and s["p99_ms"] > 1.0
    assert verdict(9.0, 10.0) == "met"
    assert verdict(15.0, 10.0).startswith("missed by 5")
    assert summary_ms([]) == {"n": 0}


def test_catalogue_generator_validates_and_is_deterministic() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.bench_catalogue import generate_offers
    from knowledge.base import KnowledgeBase
    from knowledge.schema import Offer

    kb = KnowledgeBase.load("90")
    communes = [p.code for p in kb.territory.communes_of("90")]
    epcis = [p.code for p in kb.territory.epcis_of("90")]
    a = generate_offers(120, kb.offers, kb.themes, communes, epcis, seed=3)
    b = generate_offers(120, kb.offers, kb.themes, communes, epcis, seed=3)
    assert len(a) == 120 and list(a) == list(b)
    assert all(isinstance(o, Offer) for o in a.values())
    assert not set(a) & set(kb.offers)
    assert any(o.eligibility.laureates_only for o in a.values())
    assert any(o.eligibility.population_max for o in a.values())
    # and they pass the loader's consistency checks (what ``guichet kb check`` would say of them as YAML files)
    from knowledge.loader import _offer_consistency

    big = generate_offers(2000, kb.offers, kb.themes, communes, epcis, seed=42)
    assert [p for o in big.values() for p in _offer_consistency(o.id, o)] == []
    # the real matcher finds generated offers for a need in their vocabulary
    from knowledge.search import Matcher

    m = Matcher(a, kb.themes, territory=kb.territory, departement="90")
    assert m.match("rénovation de l'école", "90052")


def test_bench_catalogue_runs(tmp_path: Path) -> None:
    data = _run("bench_catalogue.py", tmp_path / "catalogue.json", "--sizes", "60", "--rounds", "1",
                "--limit-queries", "8")
    runs = {r["label"]: r for r in data["results"]["runs"]}
    assert set(runs) == {"shipped", "generated-60"}
    assert runs["generated-60"]["offers"] == 60 and runs["generated-60"]["kb_load_yaml_s"] > 0
    assert runs["generated-60"]["match_commune_cold"]["n"] == 8
    assert runs["shipped"]["match_no_commune_warm"]["non_empty"] >= 6


def test_compare_baselines_runs(tmp_path: Path) -> None:
    data = _run("compare_baselines.py", tmp_path / "baselines.json", "--rounds", "1", "--limit-queries", "12")
    methods = {m["name"]: m for m in data["results"]["methods"]}
    assert any(n.startswith("(a) matcher") for n in methods)
    assert any(n.startswith("(b) rapidfuzz") for n in methods)
    for m in methods.values():
        assert m["all"]["n"] == 12 and 0 <= m["all"]["top1"] <= m["all"]["top3"] <= 1
    # (c) ran, or says why not
    assert data["results"]["postgres"]
    if data["results"]["postgres"].startswith("skipped"):
        assert not any(n.startswith("(c)") for n in methods)
    else:
        assert any(n.startswith("(c) PostgreSQL FTS") for n in methods)


def test_bench_engine_runs(tmp_path: Path) -> None:
    data = _run("bench_engine.py", tmp_path / "engine.json", "--backends", "sqlite", "--prefill", "0", "300",
                "--users", "2", "--export-reps", "1")
    runs = data["results"]["runs"]
    assert [r["stored_requests"] for r in runs] == [0, 300]
    for r in runs:
        assert r["requests_filed"] == r["users"] == 2, r
        assert r["updates"] >= 2 * 10  # a whole intake each (shorter since issue 9: nothing asked twice)
    exports = {e["format"]: e for e in runs[1]["export"]}
    assert exports["json"]["records_seen"] == 302 and exports["csv"]["records_seen"] == 302


def test_bench_footprint_runs(tmp_path: Path) -> None:
    data = _run("bench_footprint.py", tmp_path / "footprint.json", "--reps", "1")
    summary = data["results"]["summary"]
    for case in ("new_database", "existing_database"):
        assert summary[case]["rss_ready_mb"] > 10 and summary[case]["offers"] >= 30
        assert summary[case]["wall_to_ready_s"] > 0


def test_bench_console_runs(tmp_path: Path) -> None:
    """Issue 12b: inbox, search, dashboard and report through the ASGI app on a small generated database."""
    data = _run("bench_console.py", tmp_path / "console.json", "--db", "sqlite", "--requests", "400", "--runs", "2",
                timeout=600)
    r = data["results"]["sqlite"]
    assert r["requests"] == 400 and r["events"] > 400 and r["export_csv_rows"] > 0
    pages = r["pages"]
    assert {"inbox", "search: commune", "dashboard (12 months)", "report (6 months)"} <= set(pages)
    assert all(p["n"] >= 2 and p["p95_ms"] >= p["p50_ms"] > 0 for p in pages.values())
    assert 0 < r["dashboard_total_12_months"] <= 400
