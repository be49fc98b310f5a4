"""The e-mail channel's loop (issue 20): each new mail of the mailbox → one engine turn → at most one answer.

One mail, one transaction: the engine's turn (the handled mark ``mail:<hash of the Message-ID>``, the conversation,
a filed request), the mail's record (``mail_message``), its attachments and the answer (an outbox row of channel
``email``, sent by the web chat's :class:`EmailSender` over SMTP) are committed together by :meth:`Engine.handle`'s
``within`` hook. Only then is the mail marked ``\\Seen``; a crash before that reads it again, and the handled mark
makes the second reading a no-op. A turn the engine could not run (database away, flood) leaves the mail unread:
it is read again at the next pass.

The answer (bot.dialogue.mailform): what was understood in a short list and everything missing at once; a reply
from the sender's own address (threaded on one of our answers: its ``In-Reply-To``/``References`` name a Message-ID
we sent to that address, which a forged ``From`` never sees) files the request when nothing is missing, and the
confirmation carries the reference (``[90-2026-0012]`` in the subject). Auto-replies, bounces and list mail get no
answer; an address gets at most ``GUICHET_MAIL_ANSWERS_PER_HOUR`` answers an hour (a filing confirmation always
goes).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import signal
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from bot.channels.mail import CHANNEL
from bot.store import attachments as A
from bot.channels.mail.imap import Fetched, Mailbox
from bot.channels.mail.parse import REFERENCE_RE, ParsedMail, fold_address, parse_mail
from bot.dialogue import mailform
from bot.dialogue.events import Event, Reply
from bot.store.tables import mail_message_t
from bot.texts import dialogue as TD, mail as TM

log = logging.getLogger(__name__)

BATCH = 50
#: Senders handled at once within a batch (each sender's mails stay in their order).
CONCURRENCY = 4
THREAD_ID_RE = re.compile(r"<request\.([0-9]{2,3}[AB]?-\d{4}-\d{4,})@", re.I)
#: Engine replies that mean "not handled, try again later" (the mail stays unread).
RETRY_TEXTS = (TD.UNAVAILABLE, TD.FLOOD)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def domain_of(mail_from: str) -> str:
    return (mail_from.rpartition("@")[2].strip(" >") or "localhost").lower()


def request_thread_id(reference: str, mail_from: str) -> str:
    """A stable Message-ID naming a request: every e-mail about it lists it in ``References`` (threads in the
    person's client, and a reply names its request)."""
    return f"<request.{reference}@{domain_of(mail_from)}>"


@dataclass
class Stats:
    read: int = 0
    answered: int = 0
    silent: int = 0  # auto-replies, bounces, list mail, over the hourly limit
    filed: int = 0
    retry: int = 0  # left unread for the next pass
    references: list[str] = field(default_factory=list)


class MailChannel:
    def __init__(self, engine: Any, store: Any, settings: Any) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.own = (fold_address(_address(settings.mail_from)),)
        from bot.channels.smtp import EmailSender

        self.sender = EmailSender(store, settings)
        self._stopping = asyncio.Event()

    # --- one mail -----------------------------------------------------------------------------------------------
    async def handle(self, raw: bytes, size: int | None = None, truncated: bool = False) -> str:
        """Handle one raw mail. Returns its outcome; ``"retry"`` when it must stay unread."""
        loop = asyncio.get_running_loop()  # MIME parsing is CPU work: off the event loop, in the parsing thread
        m = (await loop.run_in_executor(_parser(), _parse_all, [raw], self.own))[0]
        return await self.handle_parsed(m, size if size is not None else len(raw), truncated)

    async def handle_parsed(self, m: ParsedMail, size: int, truncated: bool = False) -> str:
        key = "mail:" + m.key
        if not m.sender:
            return await self._record_only(key, m, "no_sender")
        if m.no_answer:
            return await self._record_only(key, m, m.no_answer)
        if truncated or size > int(self.settings.mail_max_bytes):
            body = TM.TOO_BIG.format(size=_mb(size), limit=_mb(int(self.settings.mail_max_bytes)))
            return await self._answer_only(key, m, "too_big", body)
        if not m.readable:
            return await self._answer_only(key, m, "unreadable", TM.UNREADABLE)
        text = m.body if not m.signature else f"{m.body}\n\n{m.signature}"
        if not text.strip():
            if m.attachments:
                text = m.subject or ""
            if not text.strip():
                return await self._answer_only(key, m, "empty", TM.EMPTY)
        ref = m.reference
        for tid in m.thread_ids:
            found = THREAD_ID_RE.match(tid)
            if found:
                ref = ref or found.group(1)
        called: dict[str, str] = {}

        async def within(turn: Any, replies: list[Reply]) -> list[Reply]:
            called["outcome"] = await self._within(turn, replies, m, key, ref)
            return replies

        event = Event(channel=CHANNEL, user_id=m.sender, chat_id=m.sender, kind="text", text=text[:8000],
                      update_key=key, user_name=m.sender_name or None, reply_to=f"[{ref}]" if ref else None,
                      sends_in_words=False)  # filed only on a reply in the answer's thread (``confirmed``)
        replies = await self.engine.handle(event, within=within)
        if "outcome" in called:
            return called["outcome"]
        if any(r.text in RETRY_TEXTS for r in replies):
            return "retry"
        if replies and replies[0].text == TD.INTERNAL_ERROR:
            return await self._answer_only(key, m, "error", TM.UNREADABLE)
        return "duplicate"  # already handled (read again after a crash): nothing to do

    async def _within(self, turn: Any, replies: list[Reply], m: ParsedMail, key: str, ref: str | None) -> str:
        uow = turn.uow
        st = turn.st.setdefault("mail", {})
        sent = list(st.get("sent") or [])
        confirmed = any(tid in sent for tid in m.thread_ids)
        was_intake = turn.in_intake()
        form = await mailform.settle(turn, email=m.sender, name=m.sender_name or None, confirmed=confirmed)
        reference = form.reference
        owner = f"{CHANNEL}:{m.sender}"
        target = reference or (ref if ref and not turn.in_intake() else None)
        kept: list[A.Kept] = []
        refused: list[A.Refused] = []
        if m.attachments:
            kept, refused = await A.keep(uow, self.settings, owner=owner, source=key,
                                         files=[(a.name, a.data) for a in m.attachments], reference=target)
        received = {"message_id": m.message_id, "subject": m.subject[:200], "authentication_results": m.auth_results,
                    "attachments": [{"name": k.name, "type": k.content_type, "size": k.size} for k in kept],
                    "refused": [{"name": r.name, "reason": r.reason} for r in refused]}
        if reference:  # filed now: the files and the mails received before it are the request's, oldest first
            await A.attach_pending(uow, owner, reference)
            for earlier in st.pop("received", []) or []:
                await uow.log_event(reference, turn.actor, "mail_received", earlier)
        if target:
            await uow.log_event(target, turn.actor, "mail_received", received)
        else:
            st["received"] = (list(st.get("received") or []) + [received])[-10:]
        # the answer
        subject, body, outcome = self.compose(form, replies, m, kept, refused, confirmed, was_intake)
        answered = False
        if body and (outcome == "filed" or await self._under_limit(uow, m.sender)):
            thread_ref = reference or target
            token = secrets.token_hex(10)
            message_id = f"<guichet.mail.{token}@{domain_of(self.settings.mail_from)}>"
            references = ([*m.references[-8:]] + ([m.message_id] if m.message_id else []))
            if thread_ref:
                references.append(request_thread_id(thread_ref, self.settings.mail_from))
            meta = {"to": m.sender, "subject": subject, "message_id": message_id,
                    "in_reply_to": m.message_id or None, "references": references}
            await uow.enqueue("mail_filed" if outcome == "filed" else "mail_answer", CHANNEL, m.sender, body, None,
                              thread_ref, dedup_key=f"mail-answer:{key}", meta=meta)
            st["sent"] = (sent + [message_id])[-8:]
            answered = True
        await self._record(uow, key, m, outcome, answered, reference or target)
        return outcome if answered else f"{outcome}:silent"

    # --- composing ----------------------------------------------------------------------------------------------
    def compose(self, form: mailform.MailForm, replies: list[Reply], m: ParsedMail, kept: list[A.Kept],
                refused: list[A.Refused], confirmed: bool, was_intake: bool) -> tuple[str, str, str]:
        subject = _re(m.subject) if m.subject else TM.SUBJECT_DEFAULT
        parts: list[str] = [TM.GREETING]
        outcome = form.outcome
        if form.outcome == "filed":
            subject = TM.SUBJECT_FILED.format(reference=form.reference)
            parts.append(TM.filed(form.reference or "", self.settings.response_days))
            parts.append(_listing(TM.UNDERSTOOD_TITLE, form.understood))
        elif form.outcome in ("ask", "confirm"):
            if form.understood:
                parts.append(_listing(TM.UNDERSTOOD_TITLE, form.understood))
            if form.outcome == "ask":
                lines = []
                for slot in form.missing:
                    if slot == "commune" and form.candidates:
                        lines.append("• " + TM.COMMUNE_PICK.format(names=", ".join(form.candidates)))
                    else:
                        lines.append("• " + TM.QUESTIONS.get(slot, slot))
                parts.append(TM.MISSING_TITLE + "\n" + "\n".join(lines))
                optional = [s for s in form.optional if s in TM.QUESTIONS]
                if optional:
                    parts.append(TM.OPTIONAL_TITLE + "\n" + "\n".join("• " + TM.QUESTIONS[s] for s in optional))
                parts.append(TM.ANSWER_IN_FREE_TEXT)
            else:
                parts.append(TM.CONFIRM_BY_REPLY)
                if was_intake and not confirmed and m.thread_ids:
                    parts.append(TM.NOT_A_REPLY)
        else:
            outcome = "answer"
            welcome = TD.welcome(self.settings.controller).split("\n")[0]
            texts = [r.text for r in replies if r.text and r.text.strip() != TD.MENU_PROMPT
                     and not r.text.startswith(welcome)]
            texts = [t.replace("/mesdemandes", "« mes demandes »") for t in texts]
            if not texts:
                return subject, "", "silent"
            parts += texts
        if kept:
            parts.append(TM.ATTACHMENTS_KEPT.format(names=", ".join(k.name for k in kept)))
        if refused:
            parts.append(TM.ATTACHMENTS_REFUSED.format(names=", ".join(r.name for r in refused)))
        parts.append(TM.SIGNATURE.format(controller=self.settings.controller))
        return subject[:200], "\n\n".join(p for p in parts if p), outcome

    # --- bookkeeping --------------------------------------------------------------------------------------------
    async def _under_limit(self, uow: Any, sender: str) -> bool:
        since = utcnow() - timedelta(hours=1)
        count = (await uow.conn.execute(sa.select(sa.func.count()).select_from(mail_message_t).where(
            mail_message_t.c.sender == sender, mail_message_t.c.answered.is_(True),
            mail_message_t.c.at > since))).scalar() or 0
        return int(count) < int(self.settings.mail_answers_per_hour)

    async def _record(self, uow: Any, key: str, m: ParsedMail, outcome: str, answered: bool,
                      reference: str | None) -> None:
        stmt = uow._insert(mail_message_t).values(
            key=key[:64], sender=(m.sender or "-")[:320], message_id=(m.message_id or None) and m.message_id[:998],
            outcome=outcome[:32], answered=answered, reference=reference, at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["key"])
        await uow.conn.execute(stmt)

    async def _record_only(self, key: str, m: ParsedMail, outcome: str) -> str:
        async with self.store.unit() as uow:
            if not await uow.mark_update_handled(key):
                return "duplicate"
            await self._record(uow, key, m, outcome, False, None)
        return outcome

    async def _answer_only(self, key: str, m: ParsedMail, outcome: str, text: str) -> str:
        """A polite answer without an engine turn (unreadable, empty, too big), within the hourly limit."""
        async with self.store.unit() as uow:
            if not await uow.mark_update_handled(key):
                return "duplicate"
            answered = await self._under_limit(uow, m.sender)
            if answered:
                body = "\n\n".join([TM.GREETING, text, TM.SIGNATURE.format(controller=self.settings.controller)])
                meta = {"to": m.sender, "subject": _re(m.subject) if m.subject else TM.SUBJECT_DEFAULT,
                        "message_id": f"<guichet.mail.{secrets.token_hex(10)}@{domain_of(self.settings.mail_from)}>",
                        "in_reply_to": m.message_id or None, "references": m.references[-8:] + (
                            [m.message_id] if m.message_id else [])}
                await uow.enqueue("mail_answer", CHANNEL, m.sender, body, None, None,
                                  dedup_key=f"mail-answer:{key}", meta=meta)
            await self._record(uow, key, m, outcome, answered, None)
        return outcome if answered else f"{outcome}:silent"

    # --- the mailbox --------------------------------------------------------------------------------------------
    async def process_mailbox(self, box: Mailbox, stats: Stats | None = None) -> Stats:
        """Every unread mail, oldest first; each marked read once what it caused is committed.

        A pipeline over batches of :data:`BATCH`: while one batch goes through the engine, the next one is fetched
        (IMAP) and parsed (MIME, in the parsing thread); a batch's mails are marked read in one IMAP command once
        all of its turns are committed. A batch fetched but not handled (a stop, a crash) stays unread."""
        stats = stats or Stats()
        uids = await box.unseen()
        chunks = [uids[start:start + BATCH] for start in range(0, len(uids), BATCH)]
        ahead: asyncio.Task | None = None
        try:
            for index, chunk in enumerate(chunks):
                if self._stopping.is_set():
                    break
                current = ahead if ahead is not None else asyncio.create_task(self._read_batch(box, chunk))
                ahead = None
                fetched, parsed = await current
                if index + 1 < len(chunks):
                    ahead = asyncio.create_task(self._read_batch(box, chunks[index + 1]))
                done = await self._handle_batch(fetched, parsed, stats)
                await box.mark_seen(done)
        finally:
            if ahead is not None:
                ahead.cancel()
                try:
                    await ahead
                except BaseException:  # noqa: BLE001 - cancelled or failed: those mails stay unread
                    pass
        return stats

    async def _read_batch(self, box: Mailbox, chunk: list[int]) -> tuple[list[Fetched], list[ParsedMail]]:
        fetched = await box.fetch(chunk, int(self.settings.mail_max_bytes))
        loop = asyncio.get_running_loop()
        parsed = await loop.run_in_executor(_parser(), _parse_all, [item.raw for item in fetched], self.own)
        return fetched, parsed

    async def _handle_batch(self, fetched: list[Fetched], parsed: list[ParsedMail], stats: Stats) -> list[int]:
        """The batch's mails through the engine: one sender's in their order, different senders at once (their
        turns wait on the database and the encoder). Returns the uids to mark read (everything but "retry")."""
        by_sender: dict[str, list[tuple[Fetched, ParsedMail]]] = {}
        for item, m in zip(fetched, parsed):
            by_sender.setdefault(m.sender or f"?{item.uid}", []).append((item, m))
        outcomes: dict[int, str] = {}
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one_sender(items: list[tuple[Fetched, ParsedMail]]) -> None:
            async with slots:
                for item, m in items:
                    outcomes[item.uid] = await self._one(item, m)

        await asyncio.gather(*(one_sender(items) for items in by_sender.values()))
        done: list[int] = []
        for item in fetched:
            outcome = outcomes[item.uid]
            stats.read += 1
            if outcome == "retry":
                stats.retry += 1
                continue
            if outcome.endswith(":silent") or outcome in ("auto_reply", "bounce", "list", "loop", "no_sender"):
                stats.silent += 1
            elif outcome != "duplicate":
                stats.answered += 1
            if outcome.startswith("filed"):
                stats.filed += 1
            done.append(item.uid)
        return done

    async def _one(self, item: Fetched, m: ParsedMail) -> str:
        try:
            return await self.handle_parsed(m, item.size, item.truncated)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - never crash on one mail; it stays unread and is read again
            log.warning("mail uid %s not handled (%s); it stays unread", item.uid, type(exc).__name__)
            return "retry"

    async def run_once(self) -> Stats:
        """``guichet mail --once``: what is in the mailbox, then the answers sent; returns the counts."""
        box = Mailbox(self.settings)
        await box.open()
        try:
            stats = await self.process_mailbox(box)
        finally:
            await box.close()
        await self.flush()
        return stats

    async def flush(self, passes: int = 100) -> None:
        """Send the e-mails due now (the answers just queued, staff messages)."""
        try:
            await self.store.release_orphan_leases(self.sender.channels)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not take back orphan e-mail leases: %s", type(exc).__name__)
        for _ in range(passes):
            if not await self.sender.deliver_due():
                break

    async def run(self) -> None:
        """``guichet mail``: until stopped; IMAP IDLE where the server has it, else polling; the sender alongside."""
        sender_task = asyncio.create_task(self.sender.run())
        interval = float(self.settings.mail_poll_seconds)
        box: Mailbox | None = None
        try:
            while not self._stopping.is_set():
                try:
                    if box is None:
                        box = Mailbox(self.settings)
                        await box.open()
                    async with self.store.exclusive("mail-channel") as mine:
                        if mine:  # one worker of `guichet serve --workers N` reads the mailbox at a time
                            await self.process_mailbox(box)
                    self.sender.wake()
                    # IDLE in chunks of at most 10 s: a stop is honoured quickly (the thread cannot be interrupted)
                    waiter = asyncio.create_task(box.wait(min(interval, 10.0)))
                    stopper = asyncio.create_task(self._stopping.wait())
                    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    stopper.cancel()
                    if not waiter.done():
                        await waiter  # IDLE ends at its timeout; the thread cannot be interrupted
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - server away: reconnect after a pause
                    log.warning("mailbox pass failed (%s); retry in %.0fs", type(exc).__name__, interval)
                    if box is not None:
                        await box.close()
                    box = None
                    try:
                        await asyncio.wait_for(self._stopping.wait(), timeout=interval)
                    except asyncio.TimeoutError:
                        pass
        finally:
            if box is not None:
                await box.close()
            self.sender.stop()
            try:
                await asyncio.wait_for(sender_task, 10)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                sender_task.cancel()

    def stop(self) -> None:
        self._stopping.set()


_PARSER: ThreadPoolExecutor | None = None


def _parser() -> ThreadPoolExecutor:
    """The thread that parses mail (one: parsing is pure Python and holds the interpreter's lock, so more threads
    would only compete with the event loop; and the default pool stays free for the encoder and the database)."""
    global _PARSER
    if _PARSER is None:
        _PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-parse")
    return _PARSER


def _parse_all(raws: list[bytes], own: tuple[str, ...]) -> list[ParsedMail]:
    return [parse_mail(raw, own) for raw in raws]


def _address(value: str) -> str:
    from email.utils import parseaddr

    return parseaddr(value or "")[1]


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",")


def _re(subject: str) -> str:
    subject = " ".join((subject or "").split())
    return subject if re.match(r"^\s*re\s*:", subject, re.I) else TM.SUBJECT_ANSWER.format(subject=subject)


def _listing(title: str, items: list[tuple[str, str]]) -> str:
    labels = TD.RECAP_LABELS
    return title + "\n" + "\n".join(f"• {labels.get(slot, slot)} : {value}" for slot, value in items)


@asynccontextmanager
async def mail_running(app: Any) -> AsyncIterator[None]:
    """In ``guichet serve``'s lifespan: the e-mail channel in the background when ``GUICHET_IMAP_HOST`` is set."""
    g = app.state.guichet
    if not getattr(g.settings, "imap_host", None):
        yield
        return
    channel = MailChannel(g.engine, g.store, g.settings)
    app.state.mail = channel
    task = asyncio.create_task(channel.run())
    try:
        yield
    finally:
        channel.stop()
        try:
            await asyncio.wait_for(task, 30)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            task.cancel()


# --- the command ----------------------------------------------------------------------------------------------------
def run_mail_cli(once: bool = False) -> int:
    """``guichet mail [--once]``."""
    import logging as _logging

    from bot.config import load_settings

    settings = load_settings()
    _logging.basicConfig(level=getattr(_logging, str(settings.log_level).upper(), _logging.INFO),
                         format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.imap_host:
        print("GUICHET_IMAP_HOST is not set: no mailbox to read.")
        return 2
    return asyncio.run(_main(settings, once))


async def _main(settings: Any, once: bool) -> int:
    from bot.app import App

    app = await App.start(settings)
    channel = MailChannel(app.engine, app.store, settings)
    try:
        if once:
            stats = await channel.run_once()
            print(f"mail: {stats.read} read, {stats.answered} answered, {stats.silent} without answer, "
                  f"{stats.filed} filed, {stats.retry} left for later")
            return 0
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, channel.stop)
            except (NotImplementedError, RuntimeError):  # pragma: no cover
                pass
        await channel.run()
        return 0
    finally:
        await app.close()
