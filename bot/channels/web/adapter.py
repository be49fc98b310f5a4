"""The web chat adapter: a posted message or a pressed button → one :class:`Event` for the engine; the transcript
kept so that a reload (or another device, after a login by code) shows the conversation; staff messages addressed to
channel ``web`` shown in the page, and sent by e-mail when the person is not there.

Identity before filing: pressing the engine's final buttons (``FILING_DATA``) with no confirmed e-mail (or with a
draft e-mail other than the confirmed one) starts the code check instead; once the code is right, the confirmed
address is written into the engine's draft (``data["draft"]["email"]``) and the pressed button is handed to the
engine. The engine never files a web request without a confirmed address.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from bot.channels.web import CHANNEL, identity as I
from bot.channels.smtp import EmailSender, queue_email
from bot.channels.web.render import web_words
from bot.dialogue.events import MAX_BUTTON_DATA_BYTES, Button, Event, IncomingFile, Reply
from bot.store.models import OUTBOX_SENT
from bot.store.tables import outbox_t, web_message_t, web_person_t
from bot.texts import web as W

log = logging.getLogger(__name__)

#: Button data of the engine that file a request (the recap's "Envoyer" and the consent).
FILING_DATA = frozenset({"send", "consent"})


def is_filing(data: str | None) -> bool:
    """The engine's final button: ``send:<intake id>`` (the listening intake), or the older ``send``/``consent``."""
    return bool(data) and (data in FILING_DATA or data.startswith("send:"))
LOGIN_DATA = "v:login"
#: The engine's "yes" of a confirmation (erasing one's data among others).
ERASE_YES = "x:yes"
RESEND_DATA, CHANGE_DATA, CANCEL_DATA = "v:resend", "v:change", "v:cancel"
#: The person counts as looking at the page when it polled this recently (else staff messages go by e-mail too).
PRESENT_FOR = timedelta(seconds=30)
#: A poll answered from memory asks the database again after this long (messages written by another worker).
POLL_RECHECK = 10.0
#: A poll's session is taken from memory this long (revocation on another worker is seen within it).
SESSION_CACHE = timedelta(seconds=30)
MAX_TEXT_CHARS = 4000
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TRANSCRIPT_LIMIT = 300


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def load_secret(settings: Any) -> bytes:
    """Key of the chat's HMACs (CSRF, codes), derived from the server's secret (``GUICHET_SECRET_KEY`` or the one
    kept in the data directory)."""
    from bot.webkit.security import secret_key

    return hashlib.sha256(b"webchat:" + secret_key(settings).encode()).digest()


@dataclass
class Message:
    id: int
    author: str  # person | bot | staff
    text: str
    buttons: list[list[dict[str, str]]]
    at: datetime


@dataclass
class PostResult:
    session: I.WebSession
    token: str | None = None  # a new cookie token (login rotated the session)
    handled: bool = True
    messages: list[Message] | None = None  # the transcript after ``after`` (when asked), read in the same unit


def _buttons(reply: Reply) -> list[list[dict[str, str]]]:
    return [[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons]


def _verify_buttons(with_resend: bool = True) -> list[list[Button]]:
    rows = [[Button(W.RESEND, RESEND_DATA)]] if with_resend else []
    return rows + [[Button(W.CHANGE_EMAIL, CHANGE_DATA), Button(W.CANCEL, CANCEL_DATA)]]


class WebChat:
    def __init__(self, engine: Any, store: Any, settings: Any, secret: bytes | None = None) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.secret = secret if secret is not None else load_secret(settings)
        self.mailer = EmailSender(store, settings)
        self._tasks: list[asyncio.Task[None]] = []
        self._sessions: dict[str, tuple[I.WebSession, float]] = {}  # poll's session cache: token → (session, until)
        self._known: dict[str, tuple[int, float]] = {}  # person → (last message id seen, when the database said so)
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    # --- sessions -----------------------------------------------------------------------------------------------------
    async def session(self, token: str | None) -> I.WebSession | None:
        if not token:
            return None
        async with self.store.unit(readonly=True) as uow:
            return await I.load_session(uow.conn, token)

    async def session_and_label(self, token: str | None, data: str | None) -> tuple[I.WebSession | None, str | None]:
        """The cookie's session and, for a pressed button, its label (what the person "said"), in one read."""
        if not token:
            return None, None
        async with self.store.unit(readonly=True) as uow:
            session = await I.load_session(uow.conn, token)
            label = await self._button_label(uow, session.person_id, data) if session and data else None
        return session, label

    async def new_session(self) -> tuple[str, I.WebSession]:
        async with self.store.unit() as uow:
            return await I.create_person_session(uow.conn)

    async def poll(self, token: str | None, after: int, *, fresh: bool = False) -> tuple[I.WebSession | None, list[Message]]:
        """The session and the messages after ``after`` (the page polls every few seconds).

        Most polls find nothing new: this process remembers, per person, the last message id it wrote or read and
        when it last asked the database; a poll that is not past that id is answered from memory for
        ``POLL_RECHECK`` (what another worker wrote is seen within that time), and a poll's session from memory
        for ``SESSION_CACHE`` (a session revoked on another worker stops polling within that time). ``fresh``
        (the page itself) always reads the database."""
        if not token:
            return None, []
        now = time.monotonic()
        cached = None if fresh else self._sessions.get(token)
        if cached is not None and cached[1] > now:
            session = cached[0]
            known = self._known.get(session.person_id)
            if known is not None and after >= known[0] and known[1] > now - POLL_RECHECK:
                return session, []
        async with self.store.unit(readonly=True) as uow:
            session = await I.load_session(uow.conn, token)
            messages = await self._read(uow, session.person_id, after) if session else []
        if session is None:
            self._sessions.pop(token, None)
            return None, []
        if len(self._sessions) > 50_000:
            self._sessions.clear()
        if len(self._known) > 50_000:
            self._known.clear()
        self._sessions[token] = (session, now + SESSION_CACHE.total_seconds())
        self._known[session.person_id] = (messages[-1].id if messages else after, now)
        return session, messages

    def _forget(self, person_id: str) -> None:
        """Something was written for this person: the next poll asks the database."""
        self._known.pop(person_id, None)

    async def seen(self, session: I.WebSession) -> None:
        """The page is open (a poll): staff messages are shown there, not sent by e-mail."""
        if session.last_seen_at is not None and session.last_seen_at > utcnow() - I.SEEN_WRITE_EVERY:
            return
        async with self.store.unit() as uow:
            await I.touch(uow.conn, session)

    async def logout(self, session: I.WebSession) -> None:
        async with self.store.unit() as uow:
            await I.revoke_session(uow.conn, session.token_hash)
        for token in [t for t, (cached, _) in self._sessions.items() if cached.token_hash == session.token_hash]:
            del self._sessions[token]

    # --- transcript ---------------------------------------------------------------------------------------------------
    async def transcript(self, person_id: str, after: int = 0) -> list[Message]:
        async with self.store.unit(readonly=True) as uow:
            return await self._read(uow, person_id, after)

    @staticmethod
    async def _read(uow: Any, person_id: str, after: int) -> list[Message]:
        stmt = (sa.select(web_message_t).where(web_message_t.c.person_id == person_id, web_message_t.c.id > after)
                .order_by(web_message_t.c.id.desc()).limit(TRANSCRIPT_LIMIT))
        rows = (await uow.conn.execute(stmt)).all()
        return [Message(r.id, r.author, r.text, list(r.buttons or []), r.at) for r in reversed(rows)]

    async def _write(self, uow: Any, person_id: str, person_text: str | None, key: str | None,
                     replies: list[Reply]) -> bool:
        """Append the person's message (once per key) and the replies. False when the key was written already."""
        self._forget(person_id)
        now = utcnow()
        if person_text is not None:
            stmt = (uow._insert(web_message_t)
                    .values(person_id=person_id, author="person", text=person_text, buttons=None, at=now,
                            update_key=key)
                    .on_conflict_do_nothing(index_elements=["update_key"]))
            if (await uow.conn.execute(stmt)).rowcount != 1:
                return False
        if replies:
            await uow.conn.execute(sa.insert(web_message_t), [
                dict(person_id=person_id, author="bot", text=reply.text, buttons=_buttons(reply) or None, at=now,
                     update_key=None) for reply in replies])
        return True

    # --- one post -----------------------------------------------------------------------------------------------------
    async def post(self, session: I.WebSession, *, kind: str, text: str | None = None, data: str | None = None,
                   key: str, after: int | None = None, label: str | None = None) -> PostResult:
        """Handle a message (``kind="text"``) or a pressed button (``kind="button"``) once per ``key``. With
        ``after``, the result carries the transcript's messages after that id (the page's new messages)."""
        if not KEY_RE.match(key or ""):
            raise ValueError("bad idempotency key")
        if kind == "text":
            text = (text or "")[:MAX_TEXT_CHARS]
            if not text.strip():
                return PostResult(session, handled=False)
        elif kind == "button":
            if not data or len(data.encode("utf-8", "replace")) > MAX_BUTTON_DATA_BYTES:
                raise ValueError("bad button data")
        else:
            raise ValueError("bad kind")
        update_key = f"web:{session.person_id}:{key}"
        verify = session.data.get("verify")
        if verify or (kind == "button" and data == LOGIN_DATA) or (kind == "button" and is_filing(data)):
            try:
                result = await self._identity_step(session, kind, text, data, update_key, after)
            except _Duplicate:
                return PostResult(session, handled=False,
                                  messages=None if after is None else await self.transcript(session.person_id, after))
            if result is not None:
                return result
        # a button's label is found in the transcript (what the person sees they "said")
        return await self._to_engine(session, kind, text, data, update_key,
                                     text if kind == "text" else (label or ""), after=after,
                                     label_known=label is not None)

    async def post_file(self, session: I.WebSession, *, name: str, data: bytes, key: str,
                        after: int | None = None) -> PostResult:
        """A file sent from the page (issue 20): handed to the engine (kind ``file``: the attachments store checks
        it), shown in the transcript as « Pièce jointe : nom (taille) », once per ``key``."""
        from bot.store.attachments import safe_name
        from bot.texts import files as TF

        if not KEY_RE.match(key or ""):
            raise ValueError("bad idempotency key")
        shown = TF.TRANSCRIPT_LINE.format(item=TF.named(safe_name(name), len(data)))
        return await self._to_engine(session, "file", None, None, f"web:{session.person_id}:{key}", shown,
                                     after=after, files=[IncomingFile(name=name, data=data)])

    async def _to_engine(self, session: I.WebSession, kind: str, text: str | None, data: str | None,
                         update_key: str, shown: str | None, prefix: list[Reply] | None = None,
                         after: int | None = None, label_known: bool = False,
                         files: list[IncomingFile] | None = None) -> PostResult:
        event = Event(channel=CHANNEL, user_id=session.person_id, chat_id=session.person_id, kind=kind,  # type: ignore[arg-type]
                      text=text if kind == "text" else None, data=data if kind == "button" else None,
                      update_key=update_key, files=list(files or []))
        if kind == "text" and text and text.strip().startswith("/") and len(text.strip()) > 1:
            name, _, args = text.strip()[1:].partition(" ")
            event.kind, event.command, event.text = "command", name, args or None
        if kind == "button" and shown is not None and not label_known:
            # read before the engine answers (its reply's buttons are not the ones pressed), outside the write lock
            async with self.store.unit(readonly=True) as uow:
                shown = await self._button_label(uow, session.person_id, data) or shown
        replies = await self.engine.handle(event)
        # SQLite has one writer at a time: this unit only writes; the page's new messages are read after it
        async with self.store.unit() as uow:
            if kind == "button" and is_filing(data) and session.email_confirmed:
                await self._mark_confirmed_requests(uow, session)
            if kind == "button" and data == ERASE_YES and await self._erased_now(uow, session.person_id):
                await I.erase_person(uow.conn, session.person_id, keep_session=session.token_hash)
                session.email, session.email_confirmed, shown = None, False, None
            if session.data.pop("verify", None) is not None:  # the person left the code check
                await I.save_session_data(uow.conn, session)
            await self._write(uow, session.person_id, shown, update_key, (prefix or []) + replies)
            # PostgreSQL: read in the same transaction (one round of connection and BEGIN less); SQLite: after the
            # commit, so that the single writer's lock is not held for a read
            messages = await self._read(uow, session.person_id, after) if after is not None and uow._pg else None
        if after is not None and messages is None:
            messages = await self.transcript(session.person_id, after)
        return PostResult(session, messages=messages)

    async def _erased_now(self, uow: Any, person_id: str) -> bool:
        """The engine has just erased this person's data (its ``personal_data_erased`` event, this minute)."""
        from bot.store.tables import event_t

        row = (await uow.conn.execute(
            sa.select(event_t.c.at).where(event_t.c.actor == f"{CHANNEL}:{person_id}",
                                          event_t.c.kind == "personal_data_erased")
            .order_by(event_t.c.id.desc()).limit(1))).first()
        return row is not None and row.at > utcnow() - timedelta(minutes=1)

    async def _button_label(self, uow: Any, person_id: str, data: str | None) -> str | None:
        rows = (await uow.conn.execute(
            sa.select(web_message_t.c.buttons).where(web_message_t.c.person_id == person_id,
                                                     web_message_t.c.author != "person")
            .order_by(web_message_t.c.id.desc()).limit(5))).all()
        for row in rows:
            for line in row.buttons or []:
                for b in line:
                    if b.get("data") == data:
                        return str(b.get("label", ""))
        return None

    async def _mark_confirmed_requests(self, uow: Any, session: I.WebSession) -> None:
        """Requests of this person filed with the confirmed address get an ``email_confirmed`` event (staff see it)."""
        for record in await uow.list_requests(channel=CHANNEL, user_id=session.person_id):
            if record.email and session.email and record.email.lower() == session.email.lower():
                if not await uow.count_events(record.reference, "email_confirmed"):
                    await uow.log_event(record.reference, f"{CHANNEL}:{session.person_id}", "email_confirmed",
                                        {"channel": CHANNEL})

    # --- identity by code -------------------------------------------------------------------------------------------
    async def _draft_email(self, uow: Any, person_id: str) -> str | None:
        conv = await uow.get_conversation(CHANNEL, person_id)
        if conv is None:
            return None
        email = ((conv.data or {}).get("draft") or {}).get("email")
        return str(email) if email else None

    async def _identity_step(self, session: I.WebSession, kind: str, text: str | None, data: str | None,
                             update_key: str, after: int | None = None) -> PostResult | None:
        """Handle the post inside the code check; None when it is for the engine."""
        from bot.dialogue.validators import validate_email

        verify: dict[str, Any] = dict(session.data.get("verify") or {})
        confirmed: tuple[str, I.WebSession, str | None] | None = None
        async with self.store.unit() as uow:
            shown: str | None = text
            replies: list[Reply] = []
            if not verify:
                # a filing button or the login button
                if is_filing(data):
                    draft_email = await self._draft_email(uow, session.person_id)
                    if session.email_confirmed and (not draft_email or draft_email.lower() == (session.email or "").lower()):
                        return None
                    verify = {"resume": data, "step": "email"}
                    shown = await self._button_label(uow, session.person_id, data) or ""
                    if draft_email:
                        replies += await self._send_code(uow, session, verify, draft_email)
                    else:
                        replies.append(Reply(W.ASK_EMAIL_TO_FILE, [[Button(W.CANCEL, CANCEL_DATA)]]))
                else:  # login
                    verify = {"resume": None, "step": "email"}
                    shown = W.LOGIN_BUTTON
                    replies.append(Reply(W.ASK_EMAIL_TO_LOGIN, [[Button(W.CANCEL, CANCEL_DATA)]]))
            elif kind == "button":
                shown = await self._button_label(uow, session.person_id, data) or ""
                if data == CANCEL_DATA:
                    verify = {}
                    replies.append(Reply(W.VERIFY_CANCELLED))
                    last = await self._last_engine_prompt(uow, session.person_id)
                    if last is not None:
                        replies.append(last)
                elif data == CHANGE_DATA:
                    verify["step"] = "email"
                    replies.append(Reply(W.ASK_EMAIL_TO_FILE if verify.get("resume") else W.ASK_EMAIL_TO_LOGIN,
                                         [[Button(W.CANCEL, CANCEL_DATA)]]))
                elif data == RESEND_DATA and verify.get("email"):
                    replies += await self._send_code(uow, session, verify, verify["email"])
                else:
                    return None  # another button: leave the code check, the engine handles it
            elif kind == "text":
                if verify.get("step") == "email":
                    email = validate_email(text or "")
                    if email is None:
                        replies.append(Reply(W.BAD_EMAIL, [[Button(W.CANCEL, CANCEL_DATA)]]))
                    else:
                        replies += await self._send_code(uow, session, verify, email)
                else:
                    digits = re.sub(r"\D", "", text or "")
                    shown = "•" * 6 if len(digits) == 6 else text  # the code is not kept in the transcript
                    if len(digits) != 6:
                        replies.append(Reply(W.CODE_NOT_DIGITS, _verify_buttons()))
                    else:
                        outcome = await I.check_code(uow.conn, self.secret, verify.get("email", ""),
                                                     session.token_hash, digits)
                        if outcome == "bad":
                            replies.append(Reply(W.CODE_BAD, _verify_buttons()))
                        elif outcome == "expired":
                            replies.append(Reply(W.CODE_EXPIRED, _verify_buttons()))
                        else:
                            email = verify["email"]
                            session.data.pop("verify", None)
                            token, fresh = await I.confirm_email(uow.conn, session, email, CHANNEL)
                            await self._write(uow, fresh.person_id, shown, update_key, [])
                            resume = verify.get("resume")
                            if resume:
                                conv = await uow.get_conversation(CHANNEL, fresh.person_id)
                                if conv is not None:
                                    conv.data.setdefault("draft", {})["email"] = email
                                    await uow.save_conversation(conv)
                                confirmed = (token, fresh, resume)
                            else:
                                await self._write(uow, fresh.person_id, None, None, [Reply(W.LOGGED_IN.format(email=email))])
                                return PostResult(fresh, token=token, messages=None if after is None else
                                                  await self._read(uow, fresh.person_id, 0))
                            session = fresh
            else:
                return None
            if confirmed is None:
                session.data["verify"] = verify
                if not verify:
                    session.data.pop("verify", None)
                await I.save_session_data(uow.conn, session)
                if not await self._write(uow, session.person_id, shown, update_key, replies):
                    raise _Duplicate()
                messages = None if after is None else await self._read(uow, session.person_id, after)
        if confirmed is not None:
            token, fresh, resume = confirmed
            result = await self._to_engine(fresh, "button", None, resume, update_key + ":resume", None,
                                           prefix=[Reply(W.EMAIL_CONFIRMED.format(email=fresh.email))],
                                           after=None if after is None else 0)
            result.token = token
            return result
        return PostResult(session, messages=messages)

    async def _send_code(self, uow: Any, session: I.WebSession, verify: dict[str, Any], email: str) -> list[Reply]:
        try:
            code, expires = await I.issue_code(uow.conn, self.secret, email, session.token_hash,
                                               client=session.client)
        except I.CodeRateLimited as exc:
            minutes = max(1, int(exc.retry_in.total_seconds() // 60) + 1)
            return [Reply(W.CODE_RATE_LIMITED.format(minutes=minutes), _verify_buttons(False))]
        minutes = int(I.CODE_TTL.total_seconds() // 60)
        await queue_email(uow, to=email, subject=W.CODE_SUBJECT.format(code=code),
                          body=W.CODE_BODY.format(code=code, minutes=minutes, controller=self.settings.controller),
                          dedup_key=f"code:{secrets.token_hex(12)}", kind="email_code",
                          person_id=session.person_id, expires_at=expires)
        verify.update(step="code", email=email)
        self.mailer.wake()
        return [Reply(W.CODE_SENT.format(email=email, minutes=minutes), _verify_buttons())]

    async def _last_engine_prompt(self, uow: Any, person_id: str) -> Reply | None:
        rows = (await uow.conn.execute(
            sa.select(web_message_t.c.text, web_message_t.c.buttons)
            .where(web_message_t.c.person_id == person_id, web_message_t.c.author == "bot",
                   web_message_t.c.buttons.is_not(None))
            .order_by(web_message_t.c.id.desc()).limit(10))).all()
        for row in rows:
            buttons = row.buttons or []
            if buttons and not any(str(b.get("data", "")).startswith("v:") for line in buttons for b in line):
                return Reply(row.text, [[Button(b["label"], b["data"]) for b in line] for line in buttons])
        return None

    # --- staff → person -----------------------------------------------------------------------------------------------
    async def deliver_web_outbox(self, now: datetime | None = None) -> int:
        """Outbox rows addressed to channel ``web``: into the transcript; by e-mail too when the person is away.
        Claimed with the store's lease on this channel only (the Telegram and e-mail workers claim their own
        channels), in each person's order; each row is written and marked sent in one transaction."""
        now = now or utcnow()
        if not await self.store.due_outbox(now, 1, (CHANNEL,)):
            return 0
        rows = await self.store.claim_due_outbox(now, 50, timedelta(seconds=60), (CHANNEL,))
        for row in rows:
            self._forget(str(row.chat_id))
            async with self.store.unit() as uow:
                await uow.conn.execute(sa.insert(web_message_t).values(
                    person_id=str(row.chat_id), author="staff", text=row.text, buttons=row.buttons or None, at=now))
                person = await I.person(uow.conn, str(row.chat_id))
                away = person is None or person.last_seen_at is None or person.last_seen_at < now - PRESENT_FOR
                if person is not None and away and person.email and person.email_confirmed_at is not None:
                    subject = (W.NOTICE_SUBJECT.format(reference=row.reference) if row.reference
                               else W.NOTICE_SUBJECT_NO_REF)
                    await queue_email(uow, to=person.email, subject=subject,
                                      body=W.NOTICE_BODY.format(text=web_words(row.text), link=f"{self.settings.public_url}/",
                                                                controller=self.settings.controller),
                                      dedup_key=f"webmail:{row.id}", kind="email_notice", person_id=person.id,
                                      reference=row.reference)
                await uow.conn.execute(sa.update(outbox_t).where(outbox_t.c.id == row.id)
                                       .values(status=OUTBOX_SENT, sent_at=now, attempts=outbox_t.c.attempts + 1))
        if rows:
            self.mailer.wake()
        return len(rows)

    # --- background workers (started by the server's lifespan) --------------------------------------------------------
    async def _web_loop(self, interval: float) -> None:
        try:
            await self.store.release_orphan_leases((CHANNEL,))  # rows a crashed server had claimed
        except Exception as exc:  # noqa: BLE001 - database away at start: the leases expire anyway
            log.warning("could not take back orphan web leases: %s", type(exc).__name__)
        while not self._stopping.is_set():
            try:
                await self.deliver_web_outbox()
            except Exception as exc:  # noqa: BLE001 - database down: next pass
                log.warning("web outbox pass failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=interval)
            except asyncio.TimeoutError:
                pass

    def start(self, interval: float = 1.0) -> None:
        self._stopping.clear()
        self.mailer.interval = interval
        self._tasks = [asyncio.create_task(self.mailer.run()), asyncio.create_task(self._web_loop(interval))]

    async def stop(self) -> None:
        self._stopping.set()
        self.mailer.stop()
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, 10)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                task.cancel()
        self._tasks = []


class _Duplicate(Exception):
    """The same post (idempotency key) came twice: the first one's effect stands."""
