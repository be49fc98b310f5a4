"""Issue 18: ``guichet understand`` (a contract: act, confidence, slots)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from intents.acts import ACTS

ROOT = Path(__file__).resolve().parents[2]


def test_understand_json_stdin_one_object_per_line():
    lines = [
        "bjr je suis secretaire de mairie a Giromagny on voudrait refaire le chauffage de la salle des fetes, "
        "budget 120 000 €, tel 06 12 34 56 78",
        "où en est ma demande 90-2026-0012 ?",
        "",
        "🙂",
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "understand", "--json", "--stdin"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(lines)
    for obj in out:
        assert set(obj) >= {"act", "confidence", "slots"}
        assert obj["act"] in ACTS
        assert 0.0 <= obj["confidence"] <= 1.0
        assert isinstance(obj["slots"], dict)
    first = out[0]["slots"]
    assert first["commune"]["code"] == "90052"
    assert first["role"] == "agent"
    assert first["budget"] == 120000
    assert first["phone"]
    assert "chauffage" in first["need"]
    assert out[1]["slots"]["reference"] == "90-2026-0012"
    assert out[3]["act"] == "other"


def test_understand_text_and_json_flag():
    runner = CliRunner()
    result = runner.invoke(app, ["understand", "--json", "merci beaucoup, bonne journée"])
    assert result.exit_code == 0, result.output
    obj = json.loads(result.output.strip().splitlines()[-1])
    assert obj["act"] == "thanks"
    result = runner.invoke(app, ["understand", "bonjour"])
    assert result.exit_code == 0
    assert result.output.startswith("greeting")
    result = runner.invoke(app, ["understand"])
    assert result.exit_code == 2
