"""The knowledge commands through the real CLI: ``guichet match|faq|commune|kb`` (JSON shapes are a contract)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

ROOT = Path(__file__).resolve().parents[2]
GUICHET = Path(sys.executable).parent / "guichet"

runner = CliRunner()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update(extra)
    return env


def _run(*args: str, input: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    command = [str(GUICHET)] if GUICHET.exists() else [sys.executable, "-m", "bot.cli"]
    return subprocess.run(
        [*command, *args], input=input, capture_output=True, text=True, env=_env(**env), cwd="/", timeout=120
    )


# --- through the installed console script, from another directory ---------------------------------------------------
def test_match_json_subprocess() -> None:
    proc = _run("match", "--json", "--commune", "90052", "on n'a plus de médecin, une maison de santé ?")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"query", "results", "unsure"}  # issue 11 added "unsure"
    assert data["unsure"] is False
    assert data["query"] == "on n'a plus de médecin, une maison de santé ?"
    assert data["results"][0]["id"] == "acces-aux-soins"
    for r in data["results"]:
        assert set(r) == {"id", "name", "score", "reasons", "warnings"}
        assert 0 <= r["score"] <= 1 and isinstance(r["reasons"], list) and isinstance(r["warnings"], list)
    assert [r["score"] for r in data["results"]] == sorted((r["score"] for r in data["results"]), reverse=True)


def test_match_json_unsure_for_running_matters_but_weak_candidates_kept() -> None:
    result = runner.invoke(app, ["match", "--json", "Tarifs publics : concession cimetière, location de la salle des fêtes"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["unsure"] is True and data["results"]  # unsure, yet the weak candidates are still listed
    result = runner.invoke(app, ["match", "Subventions aux manifestations"])
    assert "ne correspond clairement" in result.stdout


def test_match_theme_option_re_ranks() -> None:
    need = "projet pour le bourg : maison médicale et commerces"
    health = json.loads(runner.invoke(app, ["match", "--json", "--commune", "90052", "--theme", "sante", need]).stdout)
    shops = json.loads(runner.invoke(app, ["match", "--json", "--commune", "90052", "--theme", "commerce-artisanat",
                                           need]).stdout)
    assert health["results"][0]["id"] == "acces-aux-soins"
    assert shops["results"][0]["id"] != "acces-aux-soins"


def test_stdin_one_line_per_query_same_order_subprocess() -> None:
    queries = ["rénover l'école", "", "😀", "zone blanche", "x" * 10_000, "inondations"]
    proc = _run("match", "--stdin", input="\n".join(queries) + "\n")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(queries)
    objs = [json.loads(line) for line in lines]
    assert [o["query"] for o in objs] == queries
    assert objs[1]["results"] == [] and objs[2]["results"] == []
    assert objs[3]["results"][0]["id"] == "couverture-mobile"
    assert objs[5]["results"][0]["id"] == "papi"


def test_commune_json_subprocess_and_departement_setting() -> None:
    proc = _run("commune", "--json", "Giromagny")
    data = json.loads(proc.stdout)
    assert data["resolved"] == "90052"
    c = data["candidates"][0]
    assert set(c) == {"code", "name", "kind", "departement", "score"} and c["kind"] == "commune"
    # the deployment's département comes from GUICHET_DEPARTEMENT, read when the command runs
    proc25 = _run("commune", "--json", "Besançon", GUICHET_DEPARTEMENT="25")
    assert json.loads(proc25.stdout)["resolved"] == "25056"


# --- through Typer's runner on bot.cli.app (same code path, faster) --------------------------------------------------
def test_match_text_output() -> None:
    result = runner.invoke(app, ["match", "--commune", "90010", "petites villes de demain"])
    assert result.exit_code == 0, result.output
    assert "[petites-villes-de-demain]" in result.output
    assert "Belfort en compte" in result.output  # warning shown


def test_match_commune_by_name() -> None:
    result = runner.invoke(app, ["match", "--json", "--commune", "Giromagny", "revitaliser le centre-bourg"])
    data = json.loads(result.output)
    pvd = next(r for r in data["results"] if r["id"] == "petites-villes-de-demain")
    assert "Giromagny est lauréate Petites villes de demain" in pvd["reasons"]


def test_match_unknown_commune_is_a_usage_error() -> None:
    result = runner.invoke(app, ["match", "--commune", "Zzzzzzzz", "école"])
    assert result.exit_code == 2


def test_match_ambiguous_commune_lists_candidates() -> None:
    result = runner.invoke(app, ["match", "--commune", "90200", "école"])
    assert result.exit_code == 2
    assert "Giromagny (90052)" in result.output  # stderr is mixed into output by the runner


def test_match_without_text_is_a_usage_error() -> None:
    result = runner.invoke(app, ["match"])
    assert result.exit_code == 2


def test_faq_json() -> None:
    result = runner.invoke(app, ["faq", "--json", "c'est quoi PVD ?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"query", "answer"}
    assert set(data["answer"]) >= {"id", "programme", "text", "source"}
    assert {"verified", "place", "member"} <= set(data["answer"])
    assert data["answer"]["place"] is None and data["answer"]["verified"]
    assert data["answer"]["programme"] == "petites-villes-de-demain"
    assert data["answer"]["source"].startswith("http")


def test_faq_null_when_not_confident() -> None:
    result = runner.invoke(app, ["faq", "--json", "quel temps fera-t-il demain ?"])
    assert json.loads(result.output) == {"query": "quel temps fera-t-il demain ?", "answer": None}


def test_faq_stdin_and_text() -> None:
    result = runner.invoke(app, ["faq", "--stdin"], input="c'est quoi la DETR\nrecette de la tarte\n")
    objs = [json.loads(line) for line in result.output.splitlines()]
    assert [o["query"] for o in objs] == ["c'est quoi la DETR", "recette de la tarte"]
    assert objs[0]["answer"]["programme"] == "detr" and objs[1]["answer"] is None
    text = runner.invoke(app, ["faq", "c'est quoi la DETR"])
    assert "Source :" in text.output


def test_commune_ambiguous_and_stdin() -> None:
    result = runner.invoke(app, ["commune", "--stdin"], input="Delle\n90200\n\nGrand Belfort\n")
    objs = [json.loads(line) for line in result.output.splitlines()]
    assert len(objs) == 4
    assert objs[0]["resolved"] == "90033"
    assert objs[2]["resolved"] is None
    assert objs[3]["resolved"] == "200069052" and objs[3]["candidates"][0]["kind"] == "epci"
    text = runner.invoke(app, ["commune", "Delle"])
    assert "Delle" in text.output


def test_kb_check_and_export() -> None:
    check = runner.invoke(app, ["kb", "check"])
    assert check.exit_code == 0, check.output
    export = runner.invoke(app, ["kb", "export", "--json"])
    assert export.exit_code == 0
    data = json.loads(export.output)
    assert {o["id"] for o in data["offers"]} >= {"petites-villes-de-demain", "fonds-vert", "detr"}
    assert data["faq"]


@pytest.mark.parametrize("command", ["match", "faq", "commune"])
def test_bad_input_never_crashes(command: str) -> None:
    weird = "\x00\x1b[31m\u202eabc\u200b😀" + "é" * 5000
    result = runner.invoke(app, [command, "--json", weird])
    assert result.exit_code == 0, result.output
    json.loads(result.output)


# --- issue 10 ---------------------------------------------------------------------------------------------------------
def test_faq_json_about_a_place() -> None:
    result = runner.invoke(app, ["faq", "--json", "on est PVD à Giromagny ?"])
    assert result.exit_code == 0, result.output
    a = json.loads(result.output)["answer"]
    assert a["place"] == "90052" and a["member"] is True and a["verified"] == "2026-12-06"
    assert {"id", "programme", "text", "source"} <= set(a)
    own = runner.invoke(app, ["faq", "--json", "--commune", "90052", "sommes-nous PVD ?"])
    assert json.loads(own.output)["answer"]["place"] == "90052"
    unsure = runner.invoke(app, ["faq", "--json", "Lepuix est-elle lauréate Villages d'avenir ?"])
    assert json.loads(unsure.output)["answer"]["member"] is None
    bad = runner.invoke(app, ["faq", "--commune", "Nullepart-sur-Rien", "sommes-nous PVD ?"])
    assert bad.exit_code == 2


def test_kb_stale_text_and_json() -> None:
    result = runner.invoke(app, ["kb", "stale", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["months"] == 12 and data["items"]
    dated = [it["verified"] for it in data["items"] if it["verified"]]
    assert dated == sorted(dated)
    assert {"kind", "id", "file", "verified", "months_old", "reason"} <= set(data["items"][0])
    text = runner.invoke(app, ["kb", "stale", "--months", "6"])
    assert text.exit_code == 0 and "à revérifier" in text.output
