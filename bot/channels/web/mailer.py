"""E-mail through the durable outbox (channel ``"email"``): queued in the transaction that decides it, sent by
:class:`EmailSender` over SMTP (aiosmtplib: never blocks the event loop), retried until the server answers.

Outcomes of one row:

* the server accepted the message (250 after DATA) → ``mark_sent`` with the Message-ID;
* the server refused it for good (5xx to MAIL FROM, RCPT TO or DATA) → ``mark_failed`` with the reply kept;
* anything else — connection refused, a 4xx, a timeout, a connection dropped **after the message was sent** (unknown
  outcome) → retried with exponential backoff (2 s … 5 min, forever). Every e-mail we send matters (a code, a staff
  question, a status change), so an unknown outcome means *send again*: the person may get it twice, never zero
  times. The Message-ID is derived from the row, so both copies carry the same one (mail clients merge them);
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

import sqlalchemy as sa

from bot.channels.web import EMAIL_CHANNEL
from bot.store.models import OUTBOX_PENDING
from bot.store.repository import as_utc_datetime
from bot.store.tables import outbox_t

log = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
NO_SMTP_DELAY = 300.0
SMTP_TIMEOUT = 30.0


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 2, 4, 8… capped at 5 minutes."""
    return min(MAX_BACKOFF, 2.0 ** max(1, attempts + 1))


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


def build_message(row: Any, mail_from: str) -> EmailMessage:
    meta = row.meta or {}
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = str(meta.get("to", ""))
    msg["Subject"] = str(meta.get("subject", ""))[:200]
    msg["Date"] = format_datetime(row.created_at or utcnow())
    domain = mail_from.rpartition("@")[2].strip(">") or "localhost"
    digest = hashlib.sha256(row.dedup_key.encode()).hexdigest()[:16]
    msg["Message-ID"] = f"<guichet.{row.id}.{digest}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.text or "")
    return msg


async def claim_due(store: Any, channel: str, now: datetime, limit: int, lease: timedelta) -> list[Any]:
    """Due pending outbox rows of one channel, leased (``next_attempt_at`` pushed by ``lease``) so that another worker
    does not take them meanwhile (``FOR UPDATE SKIP LOCKED`` on PostgreSQL). A cheap read first: claiming writes."""
    from bot.store.repository import _outbox

    due = (sa.select(outbox_t)
           .where(outbox_t.c.channel == channel, outbox_t.c.status == OUTBOX_PENDING,
                  outbox_t.c.next_attempt_at <= as_utc_datetime(now))
           .order_by(outbox_t.c.id))
    async with store.unit(readonly=True) as uow:
        if (await uow.conn.execute(due.limit(1))).first() is None:
            return []
    async with store.unit() as uow:
        stmt = due.limit(limit)
        if uow._pg:
            stmt = stmt.with_for_update(skip_locked=True)
        rows = [_outbox(r) for r in (await uow.conn.execute(stmt)).all()]
        if rows:
            await uow.conn.execute(sa.update(outbox_t).where(outbox_t.c.id.in_([r.id for r in rows]))
                                   .values(next_attempt_at=as_utc_datetime(now + lease)))
    return rows


class PermanentFailure(Exception):
    """The server refused the message for good (5xx)."""


async def smtp_send(settings: Any, msg: EmailMessage) -> None:
    """Send one message; raises :class:`PermanentFailure` on a 5xx refusal, anything else on a transient problem."""
    import aiosmtplib

    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            msg, hostname=settings.smtp_host, port=int(settings.smtp_port), username=settings.smtp_user or None,
            password=password, start_tls=bool(settings.smtp_starttls), use_tls=False, timeout=SMTP_TIMEOUT,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [getattr(r, "code", 0) for r in exc.recipients]
        if codes and all(c >= 500 for c in codes):
            raise PermanentFailure(f"recipient refused ({codes[0]})") from None
        raise
    except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError, aiosmtplib.SMTPRecipientRefused) as exc:
        if exc.code >= 500:
            raise PermanentFailure(f"{type(exc).__name__} ({exc.code})") from None
        raise


def write_eml(directory: str, msg: EmailMessage, row_id: int) -> Path:
    path = Path(directory).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    target = path / f"{utcnow().strftime('%Y%m%dT%H%M%S')}-{row_id:08d}.eml"
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(target)
    return target


class EmailSender:
    """Claims due ``email`` rows (a lease, so another worker does not take them meanwhile) and sends them."""

    def __init__(self, store: Any, settings: Any, *, interval: float = 1.0, batch: int = 20,
                 lease: timedelta = timedelta(seconds=120)) -> None:
        self.store = store
        self.settings = settings
        self.interval = interval
        self.batch = batch
        self.lease = lease
        self._wake = asyncio.Event()
        self._stopping = False
        self.sent_count = 0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                more = await self.deliver_due()
            except Exception as exc:  # noqa: BLE001 - database down: try again later
                log.warning("e-mail pass failed: %s", type(exc).__name__)
                more = False
            if more and not self._stopping:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def deliver_due(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        rows = await claim_due(self.store, EMAIL_CHANNEL, now, self.batch, self.lease)
        for row in rows:
            if self._stopping:
                break
            await self.deliver(row)
        return len(rows) >= self.batch

    async def deliver(self, row: Any) -> str:
        """Send one row and record the outcome: ``"sent" | "retry" | "failed"``."""
        meta = row.meta or {}
        expires = meta.get("expires_at")
        if expires:
            try:
                if datetime.fromisoformat(expires) <= utcnow():
                    await self.store.mark_failed(row.id, "expired before it could be sent")
                    return "failed"
            except ValueError:
                pass
        if not meta.get("to"):
            await self.store.mark_failed(row.id, "no address")
            return "failed"
        msg = build_message(row, self.settings.mail_from)
        if not self.settings.smtp_host:
            mail_dir = getattr(self.settings, "mail_dir", None)
            if mail_dir:
                await asyncio.to_thread(write_eml, mail_dir, msg, row.id)
                await self.store.mark_sent(row.id, msg["Message-ID"])
                self.sent_count += 1
                return "sent"
            await self.store.mark_retry(row.id, "GUICHET_SMTP_HOST not set",
                                        utcnow() + timedelta(seconds=NO_SMTP_DELAY))
            return "retry"
        try:
            await smtp_send(self.settings, msg)
        except PermanentFailure as exc:
            log.warning("e-mail %s (%s) refused for good: %s", row.id, row.kind, exc)
            await self.store.mark_failed(row.id, str(exc))
            return "failed"
        except Exception as exc:  # noqa: BLE001 - transient or unknown outcome: send again later
            delay = retry_delay(row.attempts)
            log.info("e-mail %s (%s): %s, retry in %.0fs", row.id, row.kind, type(exc).__name__, delay)
            await self.store.mark_retry(row.id, type(exc).__name__, utcnow() + timedelta(seconds=delay))
            return "retry"
        await self.store.mark_sent(row.id, msg["Message-ID"])
        self.sent_count += 1
        return "sent"
