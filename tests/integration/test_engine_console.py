"""The terminal chat driven by piped input through the real ``guichet chat`` (a subprocess on a temporary SQLite
database): it files a request, "mes demandes" shows it, a status change reaches the console user, and
``guichet export --format json`` lists the request."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

INTAKE = [
    "bonjour",
    "1",  # Déposer une demande
    "giromagni",
    "1",  # Maire
    "Nous voulons rénover l'école et la salle des fêtes pour baisser la facture de chauffage",
    "2",  # Étude
    "2",  # Financement
    "5",  # Valider
    "300 000 €",
    "1",  # Passer (calendar)
    "Jean Dupont",
    "06 12 34 56 78",
    "et mon e-mail : jean@giromagny.fr",  # at the recap: fills the e-mail, not asked with a phone
    "envoyer",  # the typed label of "Envoyer la demande"
]


def guichet(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    e["GUICHET_DATABASE_URL"] = f"sqlite:///{tmp_path / 'chat' / 'guichet.db'}"
    e["HOME"] = str(tmp_path)
    return e


def test_piped_chat_files_a_request_then_lists_and_exports_it(env: dict[str, str]) -> None:
    done = guichet(["chat", "--user", "test"], env, "\n".join(INTAKE) + "\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "/confidentialite" in out and "1. Déposer une demande" in out
    assert "Giromagny (90)" in out and "Récapitulatif" in out
    assert "Votre référence : 90-" in out, out[-2000:]
    reference = out.split("Votre référence : ", 1)[1].split()[0]

    # a long piped session is not slowed down by flood control (the terminal user runs the process)
    listed = guichet(["chat", "--user", "test"], env, "aide\n" * 30 + "/mesdemandes\n")
    assert listed.returncode == 0, listed.stderr
    assert reference in listed.stdout and "reçue, en attente de prise en charge" in listed.stdout

    other = guichet(["chat", "--user", "someone-else"], env, "/mesdemandes\n")
    assert reference not in other.stdout

    exported = guichet(["export", "--format", "json"], env)
    assert exported.returncode == 0, exported.stderr
    rows = json.loads(exported.stdout)
    row = next(r for r in rows if r["reference"] == reference)
    assert row["channel"] == "console" and row["commune_code"] == "90052" and row["role"] == "maire"
    assert row["phone"] == "+33612345678" and row["email"] == "jean@giromagny.fr"
    assert row["stage"] == "etude" and row["help_kinds"] == ["financement"] and row["matches"]


def test_console_prints_status_changes_addressed_to_its_user(env: dict[str, str]) -> None:
    done = guichet(["chat", "--user", "test"], env, "\n".join(INTAKE) + "\n")
    reference = done.stdout.split("Votre référence : ", 1)[1].split()[0]

    async def take_charge() -> None:
        from bot.staff import service
        from bot.store.repository import Store

        store = await Store.open(env["GUICHET_DATABASE_URL"], departement="90", timezone_name="Europe/Paris")
        try:
            async with store.unit() as uow:
                result = await service.take_charge(uow, reference, "staff:42")
                assert result.ok, result
        finally:
            await store.close()

    asyncio.run(take_charge())
    seen = guichet(["chat", "--user", "test"], env, "/mesdemandes\n")
    assert seen.returncode == 0
    assert "📬" in seen.stdout and reference in seen.stdout
    assert "prise en charge" in seen.stdout
    again = guichet(["chat", "--user", "test"], env, "")  # printed once only
    assert again.returncode == 0 and "📬" not in again.stdout


def test_empty_input_exits_cleanly(env: dict[str, str]) -> None:
    done = guichet(["chat", "--user", "test"], env, "")
    assert done.returncode == 0, done.stderr
