"""The outbox worker, for any channel: claims due rows of its channels, sends them in order per chat, records the
outcome. A channel plugs in by subclassing :class:`OutboxWorker` (set ``channels``, implement :meth:`send`) — see
``bot/channels/telegram/outbox.py`` and /work/notes/outbox-for-email.md.

Outcomes of :meth:`OutboxWorker.send` (it returns the transport's message id, or raises):

* :class:`Transient` — the message was *not* delivered (429 with ``retry_after``, 5xx, connection refused, connect
  timeout…): retried after ``retry_after`` or with exponential backoff (2 s … 5 min), forever;
* :class:`Permanent` — it never will be (blocked bot, chat not found, bad address): ``failed``, the error kept;
* :class:`Ambiguous` — the request went out but no answer came back (read timeout, connection dropped): maybe
  delivered, maybe not. The rule is a property of the kind of message, in one place
  (:data:`bot.dialogue.delivery.DELIVERY_RULES`): a kind delivered *at least once* (every message a person needs to
  go on, to the mayor, to the staff group or by e-mail) is sent again, in order, with backoff (the person may see it
  twice); an *at most once* kind (a pure acknowledgement that a later message repeats) counts as delivered. Both are
  recorded as an ``outbox_uncertain`` event.

Order: a chat's rows are claimed only when no earlier row of that chat is waiting (``claim_due_outbox``); the rows
of one chat in a pass are sent one after the other, and the first that is not delivered stops the chat's turn: the
rows after it are released and wait behind it. Different chats are sent concurrently (bounded).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.dialogue.delivery import AT_MOST_ONCE_KINDS, at_least_once

log = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
#: An ambiguous failure of an at-least-once row is retried this many times, then counted as delivered (a transport
#: that takes every message and never answers must not make us send forever; 12 tries with the backoff span about
#: half an hour).
MAX_AMBIGUOUS_RESENDS = 12


class Transient(Exception):
    """Not delivered; try again (after ``retry_after`` seconds when the transport said so)."""

    def __init__(self, error: str, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.retry_after = retry_after


class Permanent(Exception):
    """Not delivered and never will be."""


class Ambiguous(Exception):
    """Sent, but the answer never came: maybe delivered."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 2, 4, 8… capped at 5 minutes."""
    return min(MAX_BACKOFF, 2.0 ** max(1, attempts + 1))


class OutboxWorker:
    #: The outbox channels this worker delivers (``OutboxMessage.channel``).
    channels: tuple[str, ...] = ()
    #: Kinds delivered at most once (read from the one table of rules, ``bot.dialogue.delivery.DELIVERY_RULES``; kept
    #: as an attribute for the callers that read it). Everything else is delivered at least once.
    at_most_once_kinds: frozenset[str] = AT_MOST_ONCE_KINDS

    def __init__(self, store: Any, *, interval: float = 1.0, batch: int = 50,
                 lease: timedelta = timedelta(seconds=120), concurrency: int = 8) -> None:
        self.store = store
        self.interval = interval
        self.batch = batch
        self.lease = lease
        self._wake = asyncio.Event()
        self._stopping = False
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self.sent_count = 0
        self.passes = 0
        self._pass_done = asyncio.Condition()

    # -- to implement ------------------------------------------------------------------------------------------------
    async def send(self, row: Any) -> Any:
        """Deliver one row; return the transport's message id (or None). Raise Transient/Permanent/Ambiguous (any
        other exception counts as Transient). May record progress in ``row.meta`` (kept across retries)."""
        raise NotImplementedError

    def at_least_once(self, row: Any) -> bool:
        """True for a row sent again after an ambiguous failure: the rule of its kind (one table for all channels)."""
        return at_least_once(row.kind)

    async def on_sent(self, row: Any, message_id: Any) -> None:
        """Hook after a row was delivered (e.g. tie a staff message to its request)."""

    # -- loop --------------------------------------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        log.info("outbox worker started (%s)", ", ".join(self.channels))
        try:
            await self.store.hold_worker_lock()
            released = await self.store.release_orphan_leases(self.channels)
            if released:
                log.info("took back %d outbox row(s) leased by a worker that is gone", released)
        except Exception as exc:  # noqa: BLE001 - database away at start: the leases expire anyway
            log.warning("could not take back orphan leases (%s)", type(exc).__name__)
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
        log.info("outbox worker stopped")

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until a whole pass started after this call has finished (tests, benchmarks)."""
        async with self._pass_done:
            target = self.passes + 2  # the pass in progress may have started before the call
            self.wake()
            await asyncio.wait_for(self._pass_done.wait_for(lambda: self.passes >= target), timeout)

    async def deliver_due(self, now: datetime | None = None) -> bool:
        """One pass: claim and send due rows. Returns True when a full batch was claimed (more may be due)."""
        now = now or utcnow()
        # A cheap read first: claiming takes the write lock (SQLite) or row locks, only worth it when rows are due.
        if not await self.store.due_outbox(now, 1, self.channels):
            return False
        rows = await self.store.claim_due_outbox(now, self.batch, self.lease, self.channels)
        await self.deliver_rows(rows)
        return len(rows) >= self.batch

    async def deliver_rows(self, rows: Iterable[Any], *, batch_marks: bool = False) -> list[str]:
        """Send claimed rows: each chat's in order, chats concurrently. ``batch_marks``: record the deliveries in one
        transaction at the end (the fast path of a turn's replies) instead of one per row."""
        by_chat: dict[tuple[str, str], list[Any]] = {}
        for row in rows:
            by_chat.setdefault((row.channel, str(row.chat_id)), []).append(row)
        delivered: list[tuple[int, Any]] = []
        outcomes: list[str] = []

        async def one_chat(chat_rows: list[Any]) -> None:
            async with self._slots:
                for i, row in enumerate(chat_rows):
                    if self._stopping:
                        # Leave the rest: the lease expires and they are taken again (in order) at the next start.
                        return
                    outcome = await self.deliver(row, delivered if batch_marks else None)
                    outcomes.append(outcome)
                    if outcome == "retry":
                        rest = [r.id for r in chat_rows[i + 1:]]
                        if rest:
                            await self._safely(self.store.release_outbox(rest))
                        return

        chats = list(by_chat.values())
        if len(chats) == 1:
            await one_chat(chats[0])
        else:
            await asyncio.gather(*(one_chat(c) for c in chats))
        if delivered:
            try:
                await self.store.mark_sent_many(delivered)
            except Exception as exc:  # noqa: BLE001 - database away: the lease expires, the rows are sent again
                log.warning("could not record %d deliveries (%s)", len(delivered), type(exc).__name__)
        return outcomes

    async def _safely(self, coro: Any) -> None:
        try:
            await coro
        except Exception as exc:  # noqa: BLE001 - bookkeeping with the database away: leases cover it
            log.warning("outbox bookkeeping failed (%s)", type(exc).__name__)

    # -- one row -----------------------------------------------------------------------------------------------------
    async def deliver(self, row: Any, delivered: list | None = None) -> str:
        """Send one row and record the outcome: ``"sent" | "retry" | "failed" | "uncertain"``."""
        meta_before = dict(row.meta or {})
        early = row.status == "sent"  # recorded as delivered before the send (at-most-once chatter, fast path)
        try:
            message_id = await self.send(row)
        except Transient as err:
            delay = err.retry_after if err.retry_after is not None else backoff(row.attempts)
            log.info("outbox %s (%s): not delivered (%s), retry in %.0fs", row.id, row.kind, err, delay)
            await self._keep_progress(row, meta_before)
            await self.store.mark_retry(row.id, str(err), utcnow() + timedelta(seconds=delay), reopen=early)
            return "retry"
        except Permanent as err:
            log.warning("outbox %s (%s) failed for good: %s", row.id, row.kind, str(err).split(":", 1)[0])
            await self.store.mark_failed(row.id, str(err))
            return "failed"
        except Ambiguous as err:
            resend = self.at_least_once(row) and row.attempts + 1 < MAX_AMBIGUOUS_RESENDS
            await self._log(row, "outbox_uncertain", {"outbox_id": row.id, "kind": row.kind, "error": str(err),
                                                      "resend": resend})
            if resend:
                log.warning("outbox %s (%s): no answer after sending (%s); at least once: sent again",
                            row.id, row.kind, err)
                await self._keep_progress(row, meta_before)
                await self.store.mark_retry(row.id, f"uncertain: {err}", utcnow() + timedelta(
                    seconds=backoff(row.attempts)))
                return "retry"
            log.warning("outbox %s (%s): no answer after sending (%s); counted as delivered", row.id, row.kind, err)
            if not early:
                await self.store.mark_sent(row.id, None)
            return "uncertain"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - an unexpected error: retried later, never lost
            delay = backoff(row.attempts)
            log.warning("outbox %s (%s): unexpected %s, retry in %.0fs", row.id, row.kind, type(exc).__name__, delay)
            await self._keep_progress(row, meta_before)
            await self.store.mark_retry(row.id, type(exc).__name__, utcnow() + timedelta(seconds=delay),
                                        reopen=early)
            return "retry"
        if early:
            pass  # recorded already
        elif delivered is not None:
            delivered.append((row.id, message_id))
        else:
            await self.store.mark_sent(row.id, message_id)
        await self.on_sent(row, message_id)
        self.sent_count += 1
        return "sent"

    async def _keep_progress(self, row: Any, before: dict) -> None:
        if (row.meta or {}) != before:
            await self._safely(self.store.set_outbox_meta(row.id, dict(row.meta or {})))

    async def _log(self, row: Any, kind: str, data: dict) -> None:
        try:
            async with self.store.unit() as uow:
                await uow.log_event(row.reference, "system", kind, data)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not log %s: %s", kind, type(exc).__name__)
