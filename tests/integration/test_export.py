"""Export, stats, purge and personal data, on SQLite and PostgreSQL; the CLI commands run for real (subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.staff.service import StaffService
from bot.store import retention
from bot.store.export import EXPORT_FIELDS, compute_stats, export_bytes
from bot.store.models import ConversationState, RequestDraft
from bot.store.repository import Store

REQUIRED = (
    "reference, status, created_at, updated_at, channel, telegram_user_id, commune_code, commune_name, epci_code, "
    "role, contact_name, phone, email, description, themes, stage, help_kinds, budget, timing, matches, assigned_to, "
    "history"
).split(", ")

GUICHET = [sys.executable, "-m", "bot.cli"]


def draft(**kw: object) -> RequestDraft:
    base: dict[str, object] = dict(
        channel="telegram", user_id="1001", chat_id="1001", commune_code="90010", commune_name="Belfort",
        epci_code="200069052", role="maire", contact_name="Jeanne Martin", phone="+33612345678",
        email="jeanne.martin@example.org", description="Rénover l'école ; « chauffage », ligne 2\nligne 3",
        themes=["energie-batiments", "education-jeunesse"], stage="etude", help_kinds=["financement", "ingenierie"],
        budget="200 000 €", timing="2027", matches=["fonds-vert", "dsil", "detr"],
    )
    base.update(kw)
    return RequestDraft(**base)  # type: ignore[arg-type]


async def seed(store: Store) -> list[str]:
    async with store.unit() as uow:
        a = await uow.create_request(draft())
        b = await uow.create_request(draft(channel="console", user_id="alice", chat_id="alice", commune_code="90065",
                                           commune_name="Giromagny", themes=["sante"], contact_name="Alice Durand"))
        c = await uow.create_request(draft(user_id="2002", chat_id="2002", themes=["eau"]))
    svc = StaffService(store)
    await svc.take_charge(a.reference, "telegram:77", "Paul Agent")
    await svc.route(a.reference, "Ademe", "telegram:77", "Paul Agent")
    await svc.close(c.reference, "sans suite", "telegram:77")
    return [a.reference, b.reference, c.reference]


def cli(args: list[str], url: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    full_env.update({"GUICHET_DATABASE_URL": url, "GUICHET_DEPARTEMENT": "90", **env})
    return subprocess.run(GUICHET + args, env=full_env, capture_output=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])


async def test_export_json_through_cli(store: Store, database_url: str) -> None:
    a, b, c = await seed(store)
    proc = cli(["export", "--format", "json"], database_url)
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout.decode("utf-8"))
    assert [o["reference"] for o in data] == [a, b, c]
    for obj in data:
        assert set(REQUIRED) <= set(obj)
    first = data[0]
    assert first["status"] == "orientee" and first["assigned_to"] == "Paul Agent"
    assert first["telegram_user_id"] == "1001" and data[1]["telegram_user_id"] is None
    assert first["matches"] == ["fonds-vert", "dsil", "detr"] and first["themes"][0] == "energie-batiments"
    assert [(h["kind"], h.get("to")) for h in first["history"]] == [
        ("created", None), ("status", "en_cours"), ("status", "orientee")]
    assert first["history"][1]["actor"] == "telegram:77" and first["history"][1]["at"].startswith("20")
    assert datetime.fromisoformat(first["created_at"]).tzinfo is not None

    only = json.loads(cli(["export", "--status", "close_sans_suite"], database_url).stdout)
    assert [o["reference"] for o in only] == [c]
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    assert json.loads(cli(["export", "--since", tomorrow], database_url).stdout) == []
    assert len(json.loads(cli(["export", "--since", "2020-01-01"], database_url).stdout)) == 3


async def test_export_csv_through_cli(store: Store, database_url: str) -> None:
    a, *_ = await seed(store)
    proc = cli(["export", "--format", "csv"], database_url)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8-sig"))))
    assert list(rows[0].keys()) == list(EXPORT_FIELDS)
    assert len(rows) == 3 and rows[0]["reference"] == a
    assert rows[0]["matches"] == "fonds-vert; dsil; detr"
    assert rows[0]["description"] == "Rénover l'école ; « chauffage », ligne 2\nligne 3"
    assert [h["kind"] for h in json.loads(rows[0]["history"])] == ["created", "status", "status"]
    assert rows[1]["telegram_user_id"] == ""


@pytest.mark.parametrize(
    "args,needle",
    [
        (["export", "--status", "perdue"], "Statut inconnu"),
        (["export", "--since", "31/01/2026"], "Date invalide"),
        (["export", "--format", "xml"], "Format inconnu"),
    ],
)
def test_export_bad_arguments_exit_2(sqlite_url: str, args: list[str], needle: str) -> None:
    proc = cli(args, sqlite_url)
    assert proc.returncode == 2
    assert needle in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    proc = cli(["export"], "mysql://x@localhost/db")
    assert proc.returncode == 2 and "GUICHET_DATABASE_URL" in proc.stderr.decode()
    proc = cli(["stats"], "postgresql://nobody@127.0.0.1:9/none")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr.decode()


async def test_stats(store: Store, database_url: str) -> None:
    await seed(store)
    stats = await compute_stats(store)
    assert stats["total"] == 3
    assert stats["by_status"] == {"nouvelle": 1, "en_cours": 0, "orientee": 1, "en_attente": 0, "traitee": 0,
                                  "close_sans_suite": 1}
    assert stats["by_theme"] == {"eau": 1, "education-jeunesse": 1, "energie-batiments": 1, "sante": 1}
    assert stats["by_commune"] == {"Belfort (90010)": 2, "Giromagny (90065)": 1}
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert sum(stats["by_month"].values()) == 3 and len(stats["by_month"]) in (1, 2)
    proc = cli(["stats"], database_url)
    assert proc.returncode == 0 and "Demandes : 3" in proc.stdout.decode() and "Belfort (90010) : 2" in proc.stdout.decode()
    as_json = json.loads(cli(["stats", "--json"], database_url).stdout)
    assert as_json["total"] == 3
    assert month[:4] in "".join(as_json["by_month"])


async def test_db_upgrade_cli(sqlite_url: str) -> None:
    proc = cli(["db", "upgrade"], sqlite_url)
    assert proc.returncode == 0, proc.stderr.decode()
    from bot.store.db import HEAD_REVISION

    assert f"révision {HEAD_REVISION}" in proc.stdout.decode()
    assert cli(["db", "upgrade"], sqlite_url).returncode == 0


async def test_export_streams_many_requests(store: Store) -> None:
    """3 pages of requests; the history is loaded per page, and every request comes out once, in order."""
    from bot.store import export as E

    async with store.unit() as uow:
        for i in range(45):
            await uow.create_request(draft(user_id=str(i), chat_id=str(i)))
    seen = [o["reference"] async for o in E.iter_export(store, page=20)]
    assert len(seen) == len(set(seen)) == 45 and seen == sorted(seen)
    body = await export_bytes(store, "json")
    assert len(json.loads(body)) == 45


# --- personal data ------------------------------------------------------------------------------------------------------
async def test_personal_data_and_erase(store: Store) -> None:
    a, b, c = await seed(store)
    async with store.unit() as uow:
        await uow.append_to_request(a, "Complément de Jeanne Martin, joignable au +33612345678", "telegram:1001")
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="1001", user_id="1001",
                                                      step="email", data={"draft": {"name": "Jeanne Martin"}}))
    held = await retention.personal_data(store, "telegram", "1001")
    assert [r["reference"] for r in held["requests"]] == [a]
    assert held["requests"][0]["email"] == "jeanne.martin@example.org" and held["requests"][0]["history"]
    assert held["conversations"][0]["data"]["draft"]["name"] == "Jeanne Martin"
    json.dumps(held)  # JSON-friendly

    counts = await retention.erase_personal_data(store, "telegram", "1001", actor="telegram:1001")
    assert counts == {"requests": 1, "conversations": 1}
    rec = await store.get_request(a)
    assert rec is not None and rec.contact_name is None and rec.phone is None and rec.email is None
    assert rec.anonymised_at is not None and rec.description  # the request stays, without the personal data
    other = await store.get_request(c)
    assert other is not None and other.email == "jeanne.martin@example.org"  # another user's request: untouched
    async with store.unit() as uow:
        assert await uow.get_conversation("telegram", "1001") is None
    dump = json.dumps([e.model_dump(mode="json") for e in await store.history(a)], ensure_ascii=False)
    assert "Jeanne Martin" not in dump and "+33612345678" not in dump and "[supprimé]" in dump
    staff_texts = [m.text for m in await store.due_outbox(limit=1000) if m.reference == a]
    assert staff_texts and not any("Jeanne Martin" in t or "+33612345678" in t for t in staff_texts)
    held = await retention.personal_data(store, "telegram", "1001")
    assert held["conversations"] == [] and held["requests"][0]["phone"] is None


async def test_erase_inside_engine_unit_then_save(store: Store) -> None:
    """The engine erases within its own unit and then saves its (cleared) state: a fresh conversation."""
    async with store.unit() as uow:
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="5", user_id="5", step="menu"))
    async with store.unit() as uow:
        conv = await uow.get_conversation("telegram", "5")
        await retention.erase_personal_data(uow, "telegram", "5", actor="telegram:5")
        saved = await uow.save_conversation(conv.model_copy(update={"data": {}}))  # type: ignore[union-attr]
    assert saved.version == 1


async def test_purge(store: Store) -> None:
    a, b, c = await seed(store)  # c is closed now
    async with store.unit() as uow:
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="9", user_id="9", step="need"))
        await uow.mark_update_handled("old")
    now = datetime.now(timezone.utc)
    assert (await retention.purge(store, now=now)).requests_anonymised == 0
    later = now + timedelta(days=2 * 366)
    dry = await retention.purge(store, now=later, dry_run=True)
    assert dry.requests_anonymised == 1 and dry.references == [c] and dry.conversations_deleted == 1
    assert dry.handled_updates_deleted == 1
    assert (await store.get_request(c)).email is not None  # type: ignore[union-attr]
    report = await retention.purge(store, now=later)
    assert report.requests_anonymised == 1 and report.conversations_deleted == 1
    gone = await store.get_request(c)
    assert gone is not None and gone.email is None and gone.anonymised_at is not None
    still = await store.get_request(a)
    assert still is not None and still.email is not None  # open requests keep their contact
    async with store.unit() as uow:
        assert await uow.get_conversation("telegram", "9") is None
        assert await uow.mark_update_handled("old") is True  # the old mark was cleaned up
    assert (await retention.purge(store, now=later)).requests_anonymised == 0  # idempotent


async def test_purge_cli(store: Store, database_url: str) -> None:
    await seed(store)
    proc = cli(["purge", "--dry-run"], database_url, GUICHET_RETENTION_CLOSED_MONTHS="0")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "Simulation" in proc.stdout.decode() and "anonymisées : 1" in proc.stdout.decode()
    async with store.unit(readonly=True) as uow:
        n = (await uow.conn.execute(sa.text("SELECT count(*) FROM request WHERE anonymised_at IS NOT NULL"))).scalar()
    assert n == 0
    proc = cli(["purge"], database_url, GUICHET_RETENTION_CLOSED_MONTHS="0")
    assert proc.returncode == 0 and "Purge effectuée" in proc.stdout.decode()
    async with store.unit(readonly=True) as uow:
        n = (await uow.conn.execute(sa.text("SELECT count(*) FROM request WHERE anonymised_at IS NOT NULL"))).scalar()
    assert n == 1


def test_months_before() -> None:
    t = datetime(2026, 3, 31, 12, tzinfo=timezone.utc)
    assert retention.months_before(t, 1) == datetime(2026, 2, 28, 12, tzinfo=timezone.utc)
    assert retention.months_before(t, 24) == datetime(2024, 3, 31, 12, tzinfo=timezone.utc)
    assert retention.months_before(t, 0) == t


async def test_export_hostile_text_round_trips(store: Store) -> None:
    nasty = 'Guillemets " et \\ barre, NUL, tab\t, emoji 🏫, RTL \u202eabc, <b>html</b>, zéro\u200blargeur'
    async with store.unit() as uow:
        ref = (await uow.create_request(draft(description=nasty, contact_name=None, themes=['a"b', "c\\d"]))).reference
        await uow.log_event(ref, "system", "custom", {"kind": "clash", "at": "x", "note": nasty})
    data = json.loads(await export_bytes(store, "json"))
    assert data[0]["description"] == nasty and data[0]["themes"] == ['a"b', "c\\d"]
    assert data[0]["contact_name"] is None
    custom = data[0]["history"][-1]
    assert custom["kind"] == "custom" and custom["actor"] == "system" and custom["note"] == nasty
    body = await export_bytes(store, "csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0]["description"] == nasty and rows[0]["themes"] == 'a"b; c\\d'
