"""E-mail through the durable outbox (channel ``"email"``): queued in the transaction that decides it, sent by
:class:`EmailSender` over SMTP (aiosmtplib: never blocks the event loop), retried until the server answers.

Outcomes of one row (:meth:`EmailSender.send` raises the generic worker's outcomes, see bot/channels/outbox.py):

* the server accepted the message (250 after DATA) → ``mark_sent`` with the Message-ID;
* the server refused it for good (5xx to MAIL FROM, RCPT TO or DATA) → :class:`Permanent`: ``failed``, reply kept;
* not sent — connection refused, a 4xx, a timeout or a connection dropped before DATA → :class:`Transient`: retried
  with exponential backoff (2 s … 5 min, forever);
* a connection dropped or timed out **after DATA was started** (unknown outcome) → :class:`Ambiguous`. Every e-mail
  we send matters (a code, a staff question, a status change): its kind is at least once in the one table of rules
  (``bot.dialogue.delivery.DELIVERY_RULES``), so it is *sent again* (at least once: the person may get it twice,
  never zero times; an ``outbox_uncertain`` event is logged).
  The Message-ID is derived from the row, so both copies carry the same one (mail clients merge them);
* a code e-mail whose code has expired is not sent any more (``failed: expired``).

Without ``GUICHET_SMTP_HOST`` the rows wait (checked every 5 minutes) unless ``GUICHET_MAIL_DIR`` is set: then each
e-mail is written there as an ``.eml`` file (the demo started by ``scripts/start`` reads codes this way).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bot.channels.outbox import Ambiguous, OutboxWorker, Permanent, Transient
#: The outbox channel of the e-mails (the web chat's codes and notices, the mail channel's answers, staff notices).
EMAIL_CHANNEL = "email"

log = logging.getLogger(__name__)

NO_SMTP_DELAY = 300.0
SMTP_TIMEOUT = 30.0


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


async def queue_email(uow: Any, *, to: str, subject: str, body: str, dedup_key: str, kind: str,
                      person_id: str = "", reference: str | None = None,
                      expires_at: datetime | None = None) -> int | None:
    """Queue one e-mail in the caller's transaction (idempotent on ``dedup_key``). The address travels in ``meta``
    (the outbox's ``chat_id`` holds the person id, not personal data)."""
    meta: dict[str, Any] = {"to": to, "subject": subject}
    if expires_at is not None:
        meta["expires_at"] = expires_at.astimezone(timezone.utc).isoformat()
    return await uow.enqueue(kind, EMAIL_CHANNEL, person_id or "-", body, None, reference,
                             dedup_key=dedup_key, meta=meta)


def requester_row(row: Any) -> bool:
    """issue 20: a staff message (question, status change, relay) to a person who wrote by e-mail: the outbox row's
    ``chat_id`` is their address and carries no ``meta.to`` (the staff service writes to the request's channel)."""
    return not (row.meta or {}).get("to") and "@" in str(row.chat_id or "")


def build_message(row: Any, mail_from: str) -> EmailMessage:
    meta = row.meta or {}
    msg = EmailMessage()
    domain = mail_from.rpartition("@")[2].strip(">") or "localhost"
    text = row.text or ""
    msg["From"] = mail_from
    if requester_row(row):  # issue 20: threaded on the request (its stable id in References), subject [reference]
        from bot.texts import mail as TM

        meta = {**meta, "to": str(row.chat_id),
                "subject": (TM.SUBJECT_NOTICE.format(reference=row.reference) if row.reference
                            else TM.SUBJECT_NOTICE_NO_REF),
                "references": [f"<request.{row.reference}@{domain}>"] if row.reference else []}
        text = f"{text}\n\n{TM.NOTICE_FOOTER}"
    msg["To"] = str(meta.get("to", ""))
    msg["Subject"] = str(meta.get("subject", ""))[:200]
    msg["Date"] = format_datetime(row.created_at or utcnow())
    digest = hashlib.sha256(row.dedup_key.encode()).hexdigest()[:16]
    msg["Message-ID"] = str(meta.get("message_id") or f"<guichet.{row.id}.{digest}@{domain}>")
    if meta.get("in_reply_to"):  # issue 20: answers to a mail are threaded on it
        msg["In-Reply-To"] = str(meta["in_reply_to"])
    if meta.get("references"):
        msg["References"] = " ".join(str(r) for r in meta["references"])
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    return msg


class PermanentFailure(Exception):
    """The server refused the message for good (5xx)."""


class UnknownOutcome(Exception):
    """The message went out (DATA) but the server's answer never came: maybe delivered."""


def _smtp_client(settings: Any) -> Any:
    import aiosmtplib

    class _Client(aiosmtplib.SMTP):
        """Remembers whether DATA was started: a failure after it leaves the outcome unknown."""

        data_started = False

        async def data(self, message: Any, /, **kw: Any) -> Any:
            self.data_started = True
            return await super().data(message, **kw)

    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return _Client(hostname=settings.smtp_host, port=int(settings.smtp_port), username=settings.smtp_user or None,
                   password=password, start_tls=bool(settings.smtp_starttls), use_tls=False, timeout=SMTP_TIMEOUT)


async def smtp_send(settings: Any, msg: EmailMessage, client: Any = None) -> None:
    """Send one message. Raises :class:`PermanentFailure` on a 5xx refusal, :class:`UnknownOutcome` when the
    connection failed after DATA was started (the message may have arrived), anything else when it was not sent.

    ``client``: an open connection to reuse (:class:`SmtpPool`); it is left open. Without it, one connection is
    opened for this message and closed after it."""
    import aiosmtplib

    own = client is None
    if own:
        client = _smtp_client(settings)
    client.data_started = False
    try:
        if own:
            async with client:
                await client.send_message(msg)
        else:
            await client.send_message(msg)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [getattr(r, "code", 0) for r in exc.recipients]
        if codes and all(c >= 500 for c in codes):
            raise PermanentFailure(f"recipient refused ({codes[0]})") from None
        raise
    except aiosmtplib.SMTPResponseException as exc:
        # The server answered: not accepted. A 5xx to MAIL FROM, RCPT TO or DATA is final for this message; a 4xx,
        # or a 5xx at the greeting, EHLO or login (the server's or our settings' problem, not the message's), is
        # retried.
        if exc.code >= 500 and not isinstance(exc, (aiosmtplib.SMTPConnectResponseError, aiosmtplib.SMTPHeloError,
                                                     aiosmtplib.SMTPAuthenticationError)):
            raise PermanentFailure(f"{type(exc).__name__} ({exc.code})") from None
        raise
    except (OSError, asyncio.TimeoutError, aiosmtplib.SMTPException) as exc:
        if client.data_started:
            raise UnknownOutcome(type(exc).__name__) from None
        raise


class SmtpPool:
    """Open SMTP connections reused from one message to the next (issue 20: a batch of answers over a few
    connections instead of one connection — connect, EHLO, STARTTLS, login, QUIT — per e-mail). A connection is
    used by one message at a time; after any failure it is closed, never reused (its state is unknown). A message
    that fails *before DATA* on a reused connection (the server dropped it while idle) is tried once more on a new
    one at once. :meth:`close` ends them all (the sender calls it when a pass finds nothing more to send)."""

    def __init__(self, settings: Any, size: int = 8) -> None:
        self.settings = settings
        self.size = max(1, size)
        self._idle: list[Any] = []
        self.opened = 0  # connections opened (tests, benchmarks)

    async def _open(self) -> Any:
        client = _smtp_client(self.settings)
        await client.connect()
        self.opened += 1
        return client

    async def send(self, msg: EmailMessage) -> None:
        reused = False
        client = None
        while self._idle:
            candidate = self._idle.pop()
            if candidate.is_connected:
                client, reused = candidate, True
                break
            await _quietly_close(candidate)
        if client is None:
            client = await self._open()
        try:
            await smtp_send(self.settings, msg, client)
        except (PermanentFailure, UnknownOutcome):
            await _quietly_close(client)
            raise
        except asyncio.CancelledError:
            await _quietly_close(client)
            raise
        except Exception:  # noqa: BLE001 - not sent: on a connection reused after a pause, once more on a new one
            await _quietly_close(client)
            if not reused:
                raise
            client = await self._open()
            try:
                await smtp_send(self.settings, msg, client)
            except BaseException:
                await _quietly_close(client)
                raise
        if len(self._idle) < self.size:
            self._idle.append(client)
        else:
            await _quietly_close(client)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            await _quietly_close(client, polite=True)


async def _quietly_close(client: Any, polite: bool = False) -> None:
    try:
        if polite and client.is_connected:
            await asyncio.wait_for(client.quit(), 5)
        else:
            client.close()
    except Exception:  # noqa: BLE001 - already gone
        try:
            client.close()
        except Exception:  # noqa: BLE001
            pass


def write_eml(directory: str, msg: EmailMessage, row_id: int) -> Path:
    path = Path(directory).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    target = path / f"{utcnow().strftime('%Y%m%dT%H%M%S')}-{row_id:08d}.eml"
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(target)
    return target


class EmailSender(OutboxWorker):
    """The ``email`` rows of the outbox, on the generic :class:`OutboxWorker` (claim with a lease, order per
    person, backoff, orphan leases taken back at start). Every e-mail matters: an unknown outcome is sent again."""

    channels = (EMAIL_CHANNEL,)

    def __init__(self, store: Any, settings: Any, *, interval: float = 1.0, batch: int = 20,
                 lease: timedelta = timedelta(seconds=120)) -> None:
        super().__init__(store, interval=interval, batch=batch, lease=lease)
        self.settings = settings
        self.pool = SmtpPool(settings)

    async def deliver_due(self, now: datetime | None = None) -> bool:
        """One pass (see :meth:`OutboxWorker.deliver_due`) over the pool's connections; they are closed when the
        pass leaves nothing more to send (a server drops idle connections anyway)."""
        try:
            more = await super().deliver_due(now)
        except BaseException:
            await self.pool.close()
            raise
        if not more:
            await self.pool.close()
        return more

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            await self.pool.close()

    async def send(self, row: Any) -> str:
        meta = row.meta or {}
        expires = meta.get("expires_at")
        if expires:
            try:
                expired = datetime.fromisoformat(expires) <= utcnow()
            except (TypeError, ValueError):
                expired = False
            if expired:
                raise Permanent("expired before it could be sent")
        if not meta.get("to") and not requester_row(row):
            raise Permanent("no address")
        msg = build_message(row, self.settings.mail_from)
        if not self.settings.smtp_host:
            mail_dir = getattr(self.settings, "mail_dir", None)
            if not mail_dir:
                raise Transient("GUICHET_SMTP_HOST not set", NO_SMTP_DELAY)
            await asyncio.to_thread(write_eml, mail_dir, msg, row.id)
            return str(msg["Message-ID"])
        try:
            await self.pool.send(msg)
        except PermanentFailure as exc:
            raise Permanent(str(exc)) from None
        except UnknownOutcome as exc:
            raise Ambiguous(str(exc)) from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - not sent (connection refused, 4xx, timeout before DATA): retried
            raise Transient(type(exc).__name__) from None
        return str(msg["Message-ID"])
