"""Drivers that play issue 19's stories through a real channel (used by ``scripts/eval_stories.py --channels``).

* Telegram: the real PTB client (our ``TelegramChannel``) against the fake Bot API server on loopback
  (``tests/fakebotapi``), as the e2e tests do; a press is a callback on the message that carries the button, and an
  edited message (a multiple choice ticked) counts as said again.
* Web chat: the ASGI app of the web chat over HTTP (``httpx.ASGITransport``), plain form posts as a browser without
  JavaScript, as the web chat tests do; stories with a ``before`` state are played only in Telegram (the web person's
  id is made by the page).

Each driver gives back what the person sees as ``Said(text, [(label, data)])`` and where the conversation is stored
(``channel``, ``user``), so that the simulator of ``eval_stories.py`` reads the step as with the engine.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class TelegramDriver:
    name = "telegram"

    def __init__(self, fake: Any, channel_runner: Any, user_id: int) -> None:
        self.fake = fake
        self.runner = channel_runner
        self.user_id = user_id
        self.channel = "telegram"
        self.user = str(user_id)
        self.person = {"id": user_id, "is_bot": False, "first_name": "Élu", "language_code": "fr"}

    def _snapshot(self) -> dict[int, tuple[str, tuple, int]]:
        return {m.message_id: (m.text or "", tuple(m.buttons), len(m.edits)) for m in self.fake.messages_to(self.user_id)
                if not m.deleted}

    async def send(self, kind: str, value: str) -> list[Any]:
        from eval_stories import Said

        before = self._snapshot()
        if kind == "say":
            update = self.fake.push_text(self.person, self.user_id, value)
        else:
            holder = next((m for m in reversed(self.fake.messages_to(self.user_id))
                           if not m.deleted and any(d == value for _, d in m.buttons)), None)
            message_id = holder.message_id if holder is not None else 0
            update = self.fake.push_callback(self.person, self.user_id, message_id, value)
        await self.runner.wait_handled(update["update_id"], 20.0)
        try:
            await self.runner.outbox.settle(20.0)
        except Exception:  # noqa: BLE001 - replies sent inline are already there
            pass
        out = []
        for m in self.fake.messages_to(self.user_id):
            if m.deleted:
                continue
            now = (m.text or "", tuple(m.buttons), len(m.edits))
            if before.get(m.message_id) != now:
                out.append(Said(m.text or m.caption or "", list(m.buttons)))
        return out


class WebDriver:
    name = "web"

    def __init__(self, http: Any, store: Any, chat: Any = None, smtp: Any = None, email: str | None = None) -> None:
        self.http = http
        self.store = store
        self.chat = chat
        self.smtp = smtp
        self.email = email or "mairie@exemple.test"
        self.channel = "web"
        self.user = ""
        self.page = ""
        self.seen = 0

    async def _conv_user(self) -> None:
        import sqlalchemy as sa

        from bot.store.tables import conversation_t

        async with self.store.unit(readonly=True) as uow:
            rows = await uow.conn.execute(sa.select(conversation_t.c.chat_id).where(conversation_t.c.channel == "web"))
            found = [r[0] for r in rows]
        if found:
            self.user = str(found[-1])

    async def extra_answer(self, last: list[Any]) -> tuple[str, str] | None:
        """The web chat's own steps (not the intake's): the e-mail to confirm before sending, and its code, read
        from the SMTP server on loopback."""
        import asyncio

        text = (last[-1].text if last else "").lower()
        if "code à 6 chiffres" in text or "6 chiffres du code" in text:
            await self.chat.mailer.deliver_due()
            await asyncio.to_thread(self.smtp.mailbox.wait_for, self.email)
            return ("say", self.smtp.mailbox.last_code(self.email) or "000000")
        if "adresse e-mail" in text and ("confirm" in text or "retrouver" in text):
            return ("say", self.email)
        return None

    async def send(self, kind: str, value: str) -> list[Any]:
        from eval_stories import Said
        from tests.webchat.pilot import csrf_of, parse_messages

        if not self.page:
            r = await self.http.get("/")
            self.page = r.text
            self.seen = len(parse_messages(self.page))
        fields = {"text": value} if kind == "say" else {"data": value}
        r = await self.http.post("/message", data={"csrf": csrf_of(self.page), "key": secrets.token_hex(8), **fields})
        if r.status_code == 200:
            self.page = r.text
        msgs = parse_messages(self.page)
        new = [m for m in msgs[self.seen:] if m.author != "person"]
        self.seen = len(msgs)
        await self._conv_user()
        return [Said(m.text, [(label, data) for data, label in m.buttons]) for m in new]


async def run_channels(stories: list[dict[str, Any]], player_cls: Any, prepare: Any) -> dict[str, list[Any]]:
    """Play ``stories`` through Telegram, and those without a ``before`` state through the web chat."""
    out: dict[str, list[Any]] = {"telegram": [], "web": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n, story in enumerate(stories):
            out["telegram"].append(await _telegram(story, Path(tmp) / f"t{n}.db", player_cls, prepare, 7000 + n))
            if not story.get("before"):
                out["web"].append(await _web(story, Path(tmp) / f"w{n}.db", player_cls))
    return out


async def _telegram(story: dict[str, Any], db: Path, player_cls: Any, prepare: Any, user_id: int) -> Any:
    from bot.app import App
    from bot.channels.telegram.runner import TelegramChannel
    from bot.config import load_settings
    from tests.fakebotapi import FakeBotApi

    with FakeBotApi() as fake:
        settings = load_settings(telegram_token=fake.token, telegram_api_url=fake.url, database_url=f"sqlite:///{db}",
                                 staff_chat_id=-1001234567890, staff_user_ids=[111], departement="90",
                                 flood_max_messages=10**6)
        guichet = await App.start(settings)
        runner = TelegramChannel(guichet, outbox_interval=0.2, run_jobs=False)
        await runner.start_polling(poll_timeout=1)
        try:
            await prepare(guichet.store, story, "telegram", str(user_id))
            driver = TelegramDriver(fake, runner, user_id)
            return await player_cls(story, driver, guichet.store).play()
        finally:
            await runner.stop()
            await guichet.close()


async def _web(story: dict[str, Any], db: Path, player_cls: Any) -> Any:
    import httpx

    from bot.channels.web.adapter import WebChat
    from bot.channels.web.routes import create_chat_app
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store
    from eval_stories import kb

    from tests.webchat.smtp import SmtpServer

    with SmtpServer() as smtp:
        settings = load_settings(departement="90", secret_key="eval-secret", mail_from="guichet@prefecture.test",
                                 public_url="https://guichet.test", staff_chat_id=-1001, flood_max_messages=10**6,
                                 web_max_posts_per_minute=10**6, smtp_host="127.0.0.1", smtp_port=smtp.port)
        store = await Store.open(f"sqlite:///{db}", departement="90", timezone_name="Europe/Paris")
        try:
            chat = WebChat(Engine(kb=kb(), store=store, settings=settings), store, settings)
            app = create_chat_app(chat, workers=False)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://guichet.test",
                                         follow_redirects=True) as http:
                driver = WebDriver(http, store, chat, smtp, (story.get("facts") or {}).get("email"))
                return await player_cls(story, driver, store).play()
        finally:
            await store.close()
