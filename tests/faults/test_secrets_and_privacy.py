"""Secrets and personal data.

* The bot token and the webhook secret never appear in logs (every logger at DEBUG), exports or error messages,
  through a whole session: an intake, every staff action, a relay, Telegram faults (429, 5xx, timeouts), a handler
  error, the database locked; and the phone numbers, e-mails and names used never reach the logs either.
* RGPD: the notice at first contact (controller, purpose, legal basis, recipients, retention, rights, contact — from
  the settings), the full text from /aide, /mesdonnees, /supprimer (nothing of the person's contact data left in any
  table), and ``guichet purge`` (real CLI, --dry-run, GUICHET_RETENTION_* settings).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from tests.e2e.conftest import ROOT, STAFF_CHAT, STAFF_USERS, Person, file_request, make_settings, start_bot, stop_bot
from tests.faults.test_telegram_faults import ChatFaults

SECRET = "Webhook_Secret-for-logs-0123456789"
PHONES = ("+33612345678", "0612345678", "06 12 34 56 78", "612345678")
EMAIL = "claire.martin@example.org"
NAME = "Claire Martin"
RELAY_PHONE = "07 98 76 54 32"


def _all_debug() -> list[tuple[logging.Logger, int]]:
    """Every known logger to DEBUG (restored afterwards): what an operator gets with GUICHET_LOG_LEVEL=DEBUG."""
    saved = []
    names = ["", "httpx", "httpcore", "telegram", "telegram.ext", "sqlalchemy", "sqlalchemy.engine", "aiosqlite",
             "asyncpg", "bot", "apscheduler", "hpack"] + list(logging.root.manager.loggerDict)
    for name in names:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
    return saved


def _haystack(caplog) -> str:
    parts = [caplog.text]
    for r in caplog.records:
        parts.append(str(r.__dict__))
        if r.exc_info and r.exc_info[1] is not None:
            parts.append(logging.Formatter().formatException(r.exc_info))
    return "\n".join(parts)


async def test_no_secret_nor_personal_data_in_logs_exports_or_errors(fake, sqlite_url, caplog, tmp_path) -> None:
    saved = _all_debug()
    caplog.set_level(logging.DEBUG)
    settings = make_settings(fake, sqlite_url, webhook_secret=SECRET)
    running = await start_bot(fake, settings)
    try:
        bot = running
        faults = ChatFaults(fake)
        bot.channel.outbox.read_timeout = 1.0
        mayor = Person(bot, 841, name="Claire")
        staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
        faults.add(STAFF_CHAT, "429", "502", "late")
        ref = await file_request(mayor, name=NAME, phone=PHONES[0], email=EMAIL)
        await fake.wait_for(lambda: not faults.plan[STAFF_CHAT], timeout=30, what="faults used")
        await bot.settle()
        for _ in range(3):
            await bot.channel.outbox.deliver_due(datetime.now(timezone.utc) + timedelta(minutes=10))
        msg = await fake.wait_for_message(STAFF_CHAT, ref, where=lambda m: bool(m.buttons))
        # Every staff action, with a fault on the mayor's notifications
        faults.add(mayor.chat_id, "502")
        await staff.press_data(msg.message_id, msg.button_data("Prendre en charge"))
        for _ in range(3):
            await bot.channel.outbox.deliver_due(datetime.now(timezone.utc) + timedelta(minutes=10))
        current = fake.messages_to(STAFF_CHAT)[-1] if not fake.message(STAFF_CHAT, msg.message_id).buttons else \
            fake.message(STAFF_CHAT, msg.message_id)
        out = await staff.press_data(current.message_id, current.button_data("précisions"))
        await staff.say("Quel est le numéro du secrétariat ?", reply_to=out[-1].message_id)
        await bot.settle()
        await mayor.say(f"C'est le {RELAY_PHONE}, demandez {NAME}")
        await bot.settle()
        # An /agent relay carrying a phone number and an e-mail
        await mayor.say(f"/agent rappelez-moi au {PHONES[2]} ou {EMAIL}")
        await bot.settle()
        # A handler error whose message carries personal data and the token
        engine = bot.channel.mayor.engine
        original = engine.handle

        async def broken(event):
            raise RuntimeError(f"boom {PHONES[1]} {EMAIL} {fake.token} {SECRET}")

        engine.handle = broken
        try:
            seen = mayor.seen()
            await mayor.say("Bonjour")
            await fake.wait_for(lambda: mayor.seen() >= seen + 2, what="the apology and the question again")
        finally:
            engine.handle = original
        # Something logs a URL with the token (as httpx does at debug level): redacted by the record factory
        logging.getLogger("some.library").debug("POST %s/bot%s/sendMessage secret=%s", fake.url, fake.token, SECRET)
        # The database locked during a step
        path = sqlite_url.removeprefix("sqlite:///")
        blocker = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        # Off the event loop: the bot's background writes (e.g. settling the update just refused) must be able to
        # finish while we wait for the lock.
        await asyncio.to_thread(blocker.execute, "BEGIN EXCLUSIVE")
        try:
            bot.store.write_lock_timeout = 0.5
            out = await mayor.say("/mesdonnees")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert any("rien n'a été enregistré" in (m.text or "") for m in out)
        # Exports: the staff /export document
        out = await staff.say("/export")
        document = [m for m in out if m.document][0].document["content"].decode("utf-8-sig")
        assert ref in document
    finally:
        await stop_bot(running)
        for logger, level in saved:
            logger.setLevel(level)

    logs = _haystack(caplog)
    assert len(caplog.records) > 50, "debug logging captured too little"
    assert "[REDACTED]" in logs
    assert "RuntimeError: [message withheld]" in logs  # the handler error: type and frames, not its message
    for secret in (fake.token, fake.token.split(":")[1], SECRET):
        leaks = [line for line in logs.splitlines() if secret in line]
        assert not leaks, leaks[:3]
        assert secret not in document
    for personal in PHONES + (RELAY_PHONE, "98 76 54 32", EMAIL, NAME, "Martin"):
        assert personal not in logs, personal

    # The CLI's exports and error messages, with the token and secret in the environment
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update({"GUICHET_TELEGRAM_TOKEN": fake.token, "GUICHET_WEBHOOK_SECRET": SECRET,
                "GUICHET_DATABASE_URL": sqlite_url, "GUICHET_LOG_LEVEL": "DEBUG"})
    outputs = []
    for args in (["export", "--format", "json"], ["export", "--format", "csv"], ["stats"], ["purge", "--dry-run"]):
        proc = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env,
                                       capture_output=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout + proc.stderr)
    exported = json.loads(outputs[0].decode("utf-8-sig"))
    assert [r["reference"] for r in exported] == [ref]
    # Error messages: an unreachable database whose URL carries a password; a bad token at start
    env_bad = dict(env, GUICHET_DATABASE_URL="postgresql://guichet:Pa55-word-XYZ@127.0.0.1:1/guichet")
    for args in (["export"], ["purge"], ["run"]):
        proc = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", *args], cwd=ROOT,
                                       env=env_bad, capture_output=True, timeout=120)
        assert proc.returncode != 0
        outputs.append(proc.stdout + proc.stderr)
    for out in outputs:
        text = out.decode("utf-8", "replace")
        for secret in (fake.token, fake.token.split(":")[1], SECRET, "Pa55-word-XYZ"):
            assert secret not in text, (secret, text[-500:])


# --- RGPD ---------------------------------------------------------------------------------------------------------
async def test_notice_at_first_contact_and_full_text_follow_the_settings(fake, sqlite_url) -> None:
    settings = make_settings(fake, sqlite_url, controller="Préfecture de la Haute-Saône",
                             controller_contact="le délégué à la protection des données (dpd@example.org)",
                             privacy_url="https://example.org/donnees", retention_closed_months=12,
                             retention_unfinished_days=15)
    running = await start_bot(fake, settings)
    try:
        mayor = Person(running, 842)
        first = "\n".join(m.text or "" for m in await mayor.say("Bonjour"))
        for part in ("Responsable : Préfecture de la Haute-Saône", "mission d'intérêt public",
                     "Destinataires : les services de l'État et les opérateurs", "12 mois", "15 jours",
                     "/mesdonnees", "/supprimer", "dpd@example.org", "https://example.org/donnees", "/aide"):
            assert part in first, part
        full = "\n".join(m.text or "" for m in await mayor.say("/aide"))
        for part in ("Préfecture de la Haute-Saône", "mission d'intérêt public", "Destinataires", "opérateurs",
                     "12 mois", "15 jours", "/mesdonnees", "/supprimer", "CNIL", "dpd@example.org",
                     "https://example.org/donnees"):
            assert part in full, part
        # The notice is shown once, at the first contact, not at every message
        again = "\n".join(m.text or "" for m in await mayor.say("Bonjour"))
        assert "Responsable :" not in again
    finally:
        await stop_bot(running)


async def _dump(store) -> str:
    """Every value of every table, as text."""
    out = []
    async with store.unit(readonly=True) as uow:
        for table in ("request", "conversation", "event", "outbox", "handled_update", "counter"):
            rows = (await uow.conn.execute(sa.text(f"SELECT * FROM {table}"))).all()
            out.extend(str(tuple(r)) for r in rows)
    return "\n".join(out)


async def test_my_data_then_erase_leaves_no_contact_data_anywhere(bot) -> None:
    fake = bot.fake
    mayor = Person(bot, 843, name="Claire")
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
    ref = await file_request(mayor, name=NAME, phone=PHONES[0], email=EMAIL)
    msg = await fake.wait_for_message(STAFF_CHAT, ref, where=lambda m: bool(m.buttons))
    await staff.press_data(msg.message_id, msg.button_data("Prendre en charge"))
    await mayor.say(f"/agent merci, mon portable est le {RELAY_PHONE}")
    await bot.settle()
    held = "\n".join(m.text or "" for m in await mayor.say("/mesdonnees"))
    for part in (NAME, EMAIL, ref, "Giromagny", "maison de santé"):
        assert part in held, part
    assert "12 34 56 78" in held or "612345678" in held
    assert NAME in await _dump(bot.store)

    await mayor.say("/supprimer")
    out = await mayor.press("Oui, effacer")
    assert "effacées" in "\n".join(m.text or "" for m in out)
    everything = await _dump(bot.store)
    for personal in PHONES + (EMAIL, NAME):
        assert personal not in everything, personal
    record = await bot.store.get_request(ref)
    assert record is not None and record.status == "en_cours"  # the request stays, as the public record
    assert record.contact_name is None and record.phone is None and record.email is None
    assert record.anonymised_at is not None and "maison de santé" in record.description
    held = "\n".join(m.text or "" for m in await mayor.say("/mesdonnees"))
    assert NAME not in held and EMAIL not in held


async def test_purge_cli_applies_the_retention_settings(store, database_url) -> None:
    from bot.store.models import ConversationState
    from tests.integration.test_export import draft

    now = datetime.now(timezone.utc)
    async with store.unit() as uow:
        recs = [await uow.create_request(draft()) for _ in range(3)]
        for chat, _ in (("old", 0), ("recent", 0), ("fresh", 0)):
            await uow.save_conversation(ConversationState(channel="telegram", chat_id=chat, user_id=chat,
                                                          step="need", data={"draft": {"contact_name": "X"}}))
    closed = {recs[0].reference: now - timedelta(days=25 * 31),  # 25 months: beyond 24
              recs[1].reference: now - timedelta(days=23 * 30)}  # 23 months: kept by default, not at 12
    from bot.store.tables import conversation_t, request_t

    async with store.unit() as uow:  # backdated through the tables' own column types
        for ref, when in closed.items():
            await uow.conn.execute(sa.update(request_t).where(request_t.c.reference == ref)
                                   .values(status="traitee", closed_at=when, updated_at=when))
        for chat, days in (("old", 31), ("recent", 20)):
            await uow.conn.execute(sa.update(conversation_t).where(conversation_t.c.chat_id == chat)
                                   .values(updated_at=now - timedelta(days=days)))

    def cli(*args: str, **extra: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
        env.update({"GUICHET_DATABASE_URL": database_url, **extra})
        proc = subprocess.run([sys.executable, "-m", "bot.cli", "purge", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    async def state() -> tuple[set[str], set[str]]:
        async with store.unit(readonly=True) as uow:
            anon = {r for (r,) in (await uow.conn.execute(sa.text(
                "SELECT reference FROM request WHERE anonymised_at IS NOT NULL"))).all()}
            convs = {c for (c,) in (await uow.conn.execute(sa.text("SELECT chat_id FROM conversation"))).all()}
        return anon, convs

    out = await asyncio.to_thread(cli, "--dry-run")
    assert "Simulation" in out and recs[0].reference in out and recs[1].reference not in out
    assert await state() == (set(), {"old", "recent", "fresh"})  # a dry run changes nothing
    await asyncio.to_thread(cli)  # defaults: 24 months, 30 days
    assert await state() == ({recs[0].reference}, {"recent", "fresh"})
    await asyncio.to_thread(cli, GUICHET_RETENTION_CLOSED_MONTHS="12", GUICHET_RETENTION_UNFINISHED_DAYS="7")
    assert await state() == ({recs[0].reference, recs[1].reference}, {"fresh"})
    record = await store.get_request(recs[0].reference)
    assert record.contact_name is None and record.email is None and record.phone is None
    assert (await store.get_request(recs[2].reference)).email is not None  # open: untouched
