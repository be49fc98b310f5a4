"""Helpers to run ``guichet run`` as a real process against the fake Bot API, kill it, restart it, and drive a
mayor through the intake from the outside (waiting on what the fake server sees and on the database, never on time).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tests.e2e.conftest import ROOT, STAFF_CHAT, STAFF_USERS
from tests.fakebotapi import FakeBotApi, SentMessage

REPLY_METHODS = frozenset({"sendmessage", "editmessagereplymarkup", "editmessagetext"})


class Hold:
    """Intercepts the next reply call (sendMessage/edit) to one chat: it is NOT delivered; the handler thread
    blocks until released. ``reached`` tells the test that the bot got that far (its transaction was committed:
    replies are sent after the commit)."""

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self._orig = fake.handle
        self._armed: int | None = None
        self.reached = threading.Event()
        self.released = threading.Event()
        self.deliver = False
        fake.handle = self._handle  # type: ignore[method-assign]

    def arm(self, chat_id: int) -> None:
        self.deliver = False
        self.reached.clear()
        self.released.clear()
        self._armed = chat_id

    def release(self, deliver: bool = False) -> None:
        """Let the held call go on: failed with a 500 (default: never delivered), or delivered (``deliver=True``)."""
        self._armed = None
        self.deliver = deliver
        self.released.set()

    def _resend(self, params: dict) -> bool:
        """A message already delivered to the chat, sent again (a reply is delivered at least once: a process killed
        before it could record a delivery sends it again after its restart, maybe late, when a lease expires): not
        the reply the test waits to hold."""
        text = params.get("text")
        return bool(text) and any(m.text == text for m in self.fake.messages_to(params.get("chat_id") or 0))

    def _handle(self, method: str, params: dict) -> tuple[int, dict]:
        if (self._armed is not None and method.lower() in REPLY_METHODS and params.get("chat_id") == self._armed
                and not self._resend(params)):
            self._armed = None
            self.held = (method, params.get("text"), params.get("message_id"))
            self.reached.set()
            self.released.wait(120)
            if self.deliver:
                return self._orig(method, params)
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        return self._orig(method, params)

    async def wait_reached(self, timeout: float = 60) -> None:
        if not await asyncio.to_thread(self.reached.wait, timeout):
            raise AssertionError("the bot never tried to reply")


def bot_env(fake: FakeBotApi, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update({
        "GUICHET_TELEGRAM_TOKEN": fake.token,
        "GUICHET_TELEGRAM_API_URL": fake.url,
        "GUICHET_DATABASE_URL": database_url,
        "GUICHET_STAFF_CHAT_ID": str(STAFF_CHAT),
        "GUICHET_STAFF_USER_IDS": ",".join(str(u) for u in STAFF_USERS),
        "GUICHET_LOG_LEVEL": "DEBUG",
    })
    env.update(extra)
    return env


class BotProcess:
    """``python -m bot.cli run`` (the ``guichet run`` entry point) with its output appended to ``log_path``."""

    def __init__(self, fake: FakeBotApi, env: dict[str, str], log_path: Path) -> None:
        self.fake = fake
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    async def start(self) -> None:
        before = len(self.fake.calls_of("getUpdates"))
        with open(self.log_path, "ab") as log_file:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=self.env,
                                         stdout=log_file, stderr=subprocess.STDOUT)
        self.starts += 1
        proc = self.proc

        def up() -> bool:  # polling: it replayed what it kept and asks Telegram for updates
            return len(self.fake.calls_of("getUpdates")) > before or proc.poll() is not None

        await self.fake.wait_for(up, timeout=90, what="the bot process started")
        assert proc.poll() is None, self.logs()[-3000:]

    async def start_webhook(self) -> None:
        """Start in webhook mode: up once it registered its webhook (it listens before registering)."""
        before = len(self.fake.calls_of("setWebhook"))
        with open(self.log_path, "ab") as log_file:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=self.env,
                                         stdout=log_file, stderr=subprocess.STDOUT)
        self.starts += 1
        proc = self.proc
        await self.fake.wait_for(lambda: len(self.fake.calls_of("setWebhook")) > before or proc.poll() is not None,
                                 timeout=90, what="the bot process started (setWebhook)")
        assert proc.poll() is None, self.logs()[-3000:]

    async def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        code = await asyncio.to_thread(self.proc.wait, 30)
        assert code == -signal.SIGKILL

    async def sigterm(self, timeout: float = 60) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.proc.wait, timeout)

    def ensure_dead(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Action:
    """One answer of the intake: ``kind`` text|press|contact|command, the value, and how the bot's reply ends."""

    kind: str
    value: str
    ends: Callable[[SentMessage], bool]


def _has_button(part: str) -> Callable[[SentMessage], bool]:
    return lambda m: any(part.lower() in label.lower() for label, _ in m.buttons)


def _says(part: str) -> Callable[[SentMessage], bool]:
    return lambda m: part.lower() in (m.text or "").lower()


def _contact_keyboard(m: SentMessage) -> bool:
    rows = (m.reply_markup or {}).get("keyboard", [])
    return any(isinstance(b, dict) and b.get("request_contact") for row in rows for b in row)


NEED = "Nous voulons créer une maison de santé pluriprofessionnelle dans le centre bourg pour garder des médecins"
NAME = "Claire Martin"
PHONE = "+33612345678"
EMAIL = "claire.martin@example.org"

#: The intake, one action per step, with the step the conversation is at once the action is handled.
INTAKE: list[tuple[Action, str]] = [
    (Action("command", "/demande", _says("quelle collectivité")), "commune"),
    (Action("text", "Giromagny", _has_button("Maire")), "role"),
    (Action("press", "Maire", _says("décrivez")), "need"),
    (Action("text", NEED, _has_button("Idée")), "stage"),
    (Action("press", "Idée", _has_button("Ingénierie")), "help"),
    (Action("press", "Ingénierie", lambda m: any(lbl.startswith("✅") for lbl, _ in m.buttons)), "help"),
    (Action("press", "Valider", _says("budget")), "budget"),
    (Action("press", "Passer", _says("calendrier")), "timing"),
    (Action("press", "Passer", _says("nom et prénom")), "name"),
    (Action("text", NAME, _contact_keyboard), "phone"),
    (Action("contact", PHONE, _has_button("Envoyer")), "recap"),
    (Action("text", EMAIL, _has_button("Envoyer")), "recap"),  # not asked with a phone: given at the recap
    (Action("press", "Envoyer", _says("référence")), "menu"),
]


class Mayor:
    """A mayor in a private chat, driven from outside the bot process."""

    def __init__(self, fake: FakeBotApi, user_id: int, first_name: str = "Claire") -> None:
        self.fake = fake
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "fr"}
        self.chat_id = user_id

    def messages(self) -> list[SentMessage]:
        return self.fake.messages_to(self.chat_id)

    def _last_with(self, label_part: str) -> SentMessage:
        for m in reversed(self.messages()):
            if not m.deleted and any(label_part.lower() in label.lower() for label, _ in m.buttons):
                return m
        raise AssertionError(f"no message with a button {label_part!r}")

    def push(self, action: Action) -> dict:
        if action.kind in ("text", "command"):
            return self.fake.push_text(self.user, self.chat_id, action.value)
        if action.kind == "contact":
            return self.fake.push_contact(self.user, self.chat_id, phone=action.value,
                                          first_name=self.user["first_name"])
        m = self._last_with(action.value)
        return self.fake.push_callback(self.user, self.chat_id, m.message_id, m.button_data(action.value))

    def _changed(self, seen: int, edits: dict[int, int]) -> list[SentMessage]:
        """What changed since the snapshot: the latest new message that is not a resend (a reply is delivered at
        least once: a row a killed process sent but could not mark as sent comes again after the restart, a copy of
        a message already seen), then the messages edited in place (multi-choice step)."""
        everything = self.messages()
        earlier = {m.text for m in everything[:seen]}
        fresh = [m for m in everything[seen:] if not m.deleted and m.text not in earlier]
        edited = [m for m in everything if not m.deleted and m.message_id in self._markups
                  and (len(m.edits) > edits.get(m.message_id, 0) or m.reply_markup != self._markups[m.message_id])]
        return fresh[-1:] + edited

    def snapshot(self) -> tuple[int, dict[int, int]]:
        self._markups = {m.message_id: m.reply_markup for m in self.messages()}
        return len(self.messages()), {m.message_id: len(m.edits) for m in self.messages()}

    async def wait_reply(self, snap: tuple[int, dict[int, int]], ends: Callable[[SentMessage], bool],
                         timeout: float = 60) -> SentMessage:
        seen, edits = snap

        def done() -> SentMessage | None:
            return next((m for m in self._changed(seen, edits) if ends(m)), None)

        try:
            return await self.fake.wait_for(done, timeout, "the bot's reply")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the chat now (seen {seen}):\n{self.describe()}") from None

    def describe(self, last: int = 5) -> str:
        """The chat's last messages as the person sees them (for a failure's message)."""
        lines = []
        for m in self.messages()[-last:]:
            labels = [label for label, _ in m.buttons]
            lines.append(f"#{m.message_id} edits={len(m.edits)} deleted={m.deleted} {(m.text or '')[:80]!r} {labels}")
        return "\n".join(lines)

    async def act(self, action: Action, timeout: float = 60) -> SentMessage:
        snap = self.snapshot()
        self.push(action)
        return await self.wait_reply(snap, action.ends, timeout)


# --- database probes (the test reads what the bot wrote) ---------------------------------------------------------
async def poll_until(predicate: Callable[[], Any], timeout: float = 60, what: str = "condition") -> None:
    """Wait for a condition nothing notifies us of (a server-side lock wait): re-checked every 20 ms. The pace is
    not an assertion; only the (generous) timeout fails the test."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)

async def open_store(database_url: str) -> Any:
    from bot.store.repository import Store

    return await Store.open(database_url, departement="90", timezone_name="Europe/Paris", migrate=False)


async def conversation_step(store: Any, chat_id: int) -> str | None:
    async with store.unit(readonly=True) as uow:
        conv = await uow.get_conversation("telegram", str(chat_id))
    return conv.step if conv else None


async def scalar(store: Any, sql: str, **params: Any) -> Any:
    import sqlalchemy as sa

    async with store.unit(readonly=True) as uow:
        return (await uow.conn.execute(sa.text(sql), params)).scalar_one()


class DbLock:
    """Holds the database so that the bot cannot commit: SQLite ``BEGIN EXCLUSIVE`` from another connection,
    PostgreSQL ``LOCK TABLE handled_update`` (every update's transaction starts by writing there)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.conn: Any = None

    def acquire(self) -> None:
        if self.url.startswith("sqlite"):
            import sqlite3

            self.conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
            self.conn.execute("BEGIN EXCLUSIVE")
        else:
            import psycopg

            from tests.conftest import _libpq

            self.conn = psycopg.connect(_libpq(self.url))
            self.conn.execute("LOCK TABLE handled_update IN ACCESS EXCLUSIVE MODE")

    def terminate_others(self) -> None:
        """PostgreSQL: end the dead process's server sessions (a killed client's backend may wait on our lock)."""
        if not self.url.startswith("sqlite"):
            self.conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def waiters(self) -> int | None:
        """PostgreSQL: sessions of the database waiting on a lock (the bot blocked on ours); None on SQLite."""
        if self.url.startswith("sqlite"):
            return None
        # pg_stat_activity is a snapshot taken at its first read in a transaction, and this connection holds the lock
        # in one long transaction: without clearing it, a first read before the bot reached the database is read
        # again forever (the test then waits for a wait it cannot see).
        self.conn.execute("SELECT pg_stat_clear_snapshot()")
        return self.conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'").fetchone()[0]

    def release(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.rollback() if not self.url.startswith("sqlite") else self.conn.execute("ROLLBACK")
        finally:
            self.conn.close()
            self.conn = None
