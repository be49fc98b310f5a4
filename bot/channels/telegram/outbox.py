"""The outbox sender: delivers the messages that matter (staff notifications, status messages, relays, reminders).

Rows are written by the engine and the staff service in the same transaction as the change that causes them; this
task claims due rows (a lease, so another worker does not take them meanwhile), sends them, and records the result:

* success → ``mark_sent`` with the Telegram ``message_id`` (and for a new request in the staff group,
  ``set_staff_message`` so that the group message is tied to its request);
* ``RetryAfter`` (429) → retried after the ``retry_after`` Telegram asked for;
* a network error *before* the request reached Telegram (connection refused, connect/pool timeout) or a 5xx answer
  → retried with exponential backoff (capped), forever: an outage loses nothing;
* ``Forbidden`` / ``BadRequest`` (blocked bot, chat not found…) → failed, with the error kept;
* an *ambiguous* error (the request was sent but no answer came back: read timeout, connection dropped) → the row is
  considered delivered (``sent_message_id`` unknown) and an ``outbox_uncertain`` event is logged: we prefer the rare
  risk of a lost message to a visible duplicate. See docs/operations.md.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.adapter import inline_keyboard, split_text
from bot.channels.telegram.plain import defuse

log = logging.getLogger(__name__)

TELEGRAM_CHANNEL = "telegram"
STAFF_CHANNEL = "staff"
MAX_BACKOFF = 300.0
NO_STAFF_CHAT_DELAY = 300.0
#: Kinds whose group message is the request's staff message (buttons act on it).
STAFF_REQUEST_KINDS = frozenset({"staff_new_request"})
#: Kinds applied by editing the request's group message (sent as a new message when there is none).
EDIT_KINDS = frozenset({"staff_update"})

_NOT_SENT_CAUSES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 2, 4, 8… capped at 5 minutes."""
    return min(MAX_BACKOFF, 2.0 ** max(1, attempts + 1))


def is_ambiguous(err: BaseException) -> bool:
    """True when the request may have reached Telegram (so a resend could duplicate the message)."""
    if not isinstance(err, NetworkError) or isinstance(err, (RetryAfter, BadRequest, ChatMigrated)):
        return False
    cause = err.__cause__
    if isinstance(cause, _NOT_SENT_CAUSES):
        return False
    if isinstance(err, TimedOut):
        # PTB raises TimedOut without an httpx cause for a pool timeout ("Request was *not* sent").
        return cause is not None or "not* sent" not in str(err)
    if isinstance(cause, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return True
    return False


class OutboxSender:
    def __init__(self, bot: Any, store: Any, settings: Any, *, interval: float = 1.0, batch: int = 50,
                 read_timeout: float = 20.0, lease: timedelta = timedelta(seconds=120)) -> None:
        self.bot = bot
        self.store = store
        self.settings = settings
        self.interval = interval
        self.batch = batch
        self.read_timeout = read_timeout
        self.lease = lease
        self._wake = asyncio.Event()
        self._stopping = False
        self.sent_count = 0
        self.passes = 0
        self._pass_done = asyncio.Condition()

    # -- loop --------------------------------------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        log.info("outbox sender started")
        while not self._stopping:
            try:
                more = await self.deliver_due()
            except Exception as exc:  # noqa: BLE001 - the database may be down: try again later
                log.warning("outbox pass failed: %s", type(exc).__name__)
                more = False
            async with self._pass_done:
                self.passes += 1
                self._pass_done.notify_all()
            if more and not self._stopping:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
        log.info("outbox sender stopped")

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until a whole pass started after this call has finished (tests, benchmarks)."""
        async with self._pass_done:
            target = self.passes + 2  # the pass in progress may have started before the call
            self.wake()
            await asyncio.wait_for(self._pass_done.wait_for(lambda: self.passes >= target), timeout)

    async def deliver_due(self, now: datetime | None = None) -> bool:
        """One pass: claim and send due rows. Returns True when a full batch was handled (more may be due)."""
        now = now or utcnow()
        # A cheap read first: claiming takes the write lock (SQLite) or row locks, only worth it when rows are due.
        if not await self.store.due_outbox(now, 1):
            return False
        rows = await self.store.claim_due_outbox(now, self.batch, self.lease)
        mine = [r for r in rows if r.channel in (TELEGRAM_CHANNEL, STAFF_CHANNEL)]
        for row in mine:
            if self._stopping:
                # Leave it: the lease expires and the row is taken again at the next start.
                break
            await self.deliver(row)
        return len(rows) >= self.batch and bool(mine)

    # -- one row -----------------------------------------------------------------------------------------------------
    def _target_chat(self, row: Any) -> int | None:
        if row.channel == STAFF_CHANNEL:
            return self.settings.staff_chat_id
        try:
            return int(row.chat_id)
        except (TypeError, ValueError):
            return None

    async def deliver(self, row: Any) -> str:
        """Send one row and record the outcome: ``"sent" | "retry" | "failed" | "uncertain"``."""
        chat_id = self._target_chat(row)
        if chat_id is None:
            if row.channel == STAFF_CHANNEL:
                await self.store.mark_retry(row.id, "GUICHET_STAFF_CHAT_ID not set",
                                            utcnow() + timedelta(seconds=NO_STAFF_CHAT_DELAY))
                return "retry"
            await self.store.mark_failed(row.id, "invalid chat id")
            return "failed"
        try:
            message_id = await self._send(chat_id, row)
        except RetryAfter as err:
            delay = _seconds(err.retry_after)
            log.info("outbox %s: 429, retry after %ss", row.id, delay)
            await self.store.mark_retry(row.id, "429 retry_after", utcnow() + timedelta(seconds=delay))
            return "retry"
        except (Forbidden, BadRequest, InvalidToken, ChatMigrated) as err:
            log.warning("outbox %s (%s) failed for good: %s", row.id, row.kind, type(err).__name__)
            await self.store.mark_failed(row.id, f"{type(err).__name__}: {err}")
            return "failed"
        except NetworkError as err:
            if is_ambiguous(err):
                log.warning("outbox %s (%s): no answer after sending (%s); counted as delivered",
                            row.id, row.kind, type(err).__name__)
                await self.store.mark_sent(row.id, None)
                await self._log(row, "outbox_uncertain", {"outbox_id": row.id, "error": type(err).__name__})
                return "uncertain"
            delay = backoff(row.attempts)
            log.info("outbox %s: %s, retry in %.0fs", row.id, type(err).__name__, delay)
            await self.store.mark_retry(row.id, f"{type(err).__name__}: {err}", utcnow() + timedelta(seconds=delay))
            return "retry"
        await self.store.mark_sent(row.id, message_id)
        if row.kind in STAFF_REQUEST_KINDS and row.reference:
            await self.store.set_staff_message(row.reference, message_id)
        self.sent_count += 1
        return "sent"

    async def _send(self, chat_id: int, row: Any) -> int:
        markup = inline_keyboard(row.buttons or [])
        if row.kind in EDIT_KINDS:
            edited = await self._edit(chat_id, row, markup)
            if edited is not None:
                return edited
        reply_to = (row.meta or {}).get("reply_to_message_id")
        chunks = split_text(self._text(row))
        last_id = 0
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            message = await self.bot.send_message(
                chat_id, chunk, reply_markup=markup if last else None, read_timeout=self.read_timeout,
                reply_to_message_id=int(reply_to) if reply_to and i == 0 and str(reply_to).isdigit() else None,
                allow_sending_without_reply=True,
            )
            last_id = message.message_id
        if row.kind in EDIT_KINDS and row.reference:
            # No group message to edit (unknown or deleted): the one just sent becomes the request's message.
            await self.store.set_staff_message(row.reference, last_id)
        # The message carrying the buttons (the last chunk) is the one staff act on and reply to.
        return last_id

    @staticmethod
    def _text(row: Any) -> str:
        """The staff group's messages quote what mayors typed: no mention, no tg:// link (see plain.defuse)."""
        text = row.text or "…"
        return defuse(text) if row.channel == STAFF_CHANNEL else text

    async def _edit(self, chat_id: int, row: Any, markup: Any) -> int | None:
        """Apply a ``staff_update`` by editing the request's group message; None when there is none to edit."""
        target = (row.meta or {}).get("edit_message_id")
        if row.reference:
            # The freshest known message id wins (the row may have been queued before the first message was sent).
            record = await self.store.get_request(row.reference)
            if record is not None and record.staff_message_id:
                target = record.staff_message_id
        if not target or not str(target).isdigit():
            return None
        text = split_text(self._text(row))[0]
        if row.channel == STAFF_CHANNEL and row.buttons:
            # A sub-menu open on the card (« Orienter vers… », « Clore ») stays under the staff member's finger.
            from bot.channels.telegram.staff import open_menu_rows

            kept = await open_menu_rows(self.store, row.reference, target)
            if kept is not None:
                markup = inline_keyboard(kept)
        try:
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=int(target), reply_markup=markup,
                                             read_timeout=self.read_timeout)
        except BadRequest as err:
            if "not modified" in str(err).lower():
                return int(target)
            if "not found" in str(err).lower() or "can't be edited" in str(err).lower():
                return None
            raise
        return int(target)

    async def _log(self, row: Any, kind: str, data: dict) -> None:
        try:
            async with self.store.unit() as uow:
                await uow.log_event(row.reference, "system", kind, data)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not log %s: %s", kind, type(exc).__name__)


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0
