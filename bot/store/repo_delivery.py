"""Delivery: handled updates, the polling inbox and the outbox (mixed into :class:`bot.store.repository.UnitOfWork`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.store.models import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    OutboxMessage,
    STAFF_CHANNEL,
    STAFF_CHAT,
)
from bot.store.tables import (
    handled_update_t,
    inbox_t,
    outbox_t,
    utcnow,
)
from bot.store.repo_common import (
    MAX_ERROR_CHARS,
    UnitBase,
    _lock_key,
    _outbox,
    as_utc_datetime,
)


class DeliveryRepo(UnitBase):
    """Handled updates, inbox (updates kept until handled) and outbox (messages delivered at least once)."""

    # --- updates --------------------------------------------------------------------------------------------------
    async def mark_update_handled(self, key: str) -> bool:
        """Record that an update was handled. False if it already was (then do nothing)."""
        stmt = (
            self._insert(handled_update_t)
            .values(key=str(key)[:200], at=utcnow())
            .on_conflict_do_nothing(index_elements=["key"])
        )
        result = await self.conn.execute(stmt)
        return result.rowcount == 1

    # --- inbox (polling: updates kept until handled) -----------------------------------------------------------------
    async def save_inbox(self, items: Sequence[tuple[Any, ...]]) -> None:
        """Keep fetched updates ``(update_id, payload JSON[, chat_id])``; an update already kept is left as it is."""
        if not items:
            return
        now = utcnow()
        stmt = self._insert(inbox_t).on_conflict_do_nothing(index_elements=["update_id"])
        rows = [{"update_id": int(item[0]), "payload": item[1], "received_at": now,
                 "chat_id": str(item[2]) if len(item) > 2 and item[2] is not None else None} for item in items]
        await self.conn.execute(stmt, rows)

    async def pending_inbox(self, key_prefix: str = "tg:", limit: int = 10_000) -> list[tuple[int, str]]:
        """Kept updates not handled yet (no handled mark ``<prefix><update_id>``), oldest first."""
        key = sa.literal(key_prefix) + sa.cast(inbox_t.c.update_id, sa.String)
        handled = sa.select(handled_update_t.c.key).where(handled_update_t.c.key == key)
        stmt = (sa.select(inbox_t.c.update_id, inbox_t.c.payload).where(~handled.exists())
                .order_by(inbox_t.c.update_id).limit(limit))
        return [(int(r.update_id), r.payload) for r in (await self.conn.execute(stmt)).all()]

    async def prune_inbox(self, key_prefix: str = "tg:") -> int:
        """Forget kept updates that were handled."""
        key = sa.literal(key_prefix) + sa.cast(inbox_t.c.update_id, sa.String)
        handled = sa.select(handled_update_t.c.key).where(handled_update_t.c.key == key)
        result = await self.conn.execute(sa.delete(inbox_t).where(handled.exists()))
        return int(result.rowcount or 0)

    # --- issue 14 --- settled updates -----------------------------------------------------------------------------
    async def settle_updates(self, keys: Iterable[str]) -> int:
        """Mark updates as settled without handling them (answered "réessayez", flooded, ignored, unparseable): the
        same mark as a handled update, so that they are never handled later (no replay) and their inbox rows are
        pruned. Returns how many marks were new."""
        values = [{"key": str(k)[:200], "at": utcnow()} for k in dict.fromkeys(keys)]
        if not values:
            return 0
        stmt = self._insert(handled_update_t).on_conflict_do_nothing(index_elements=["key"])
        result = await self.conn.execute(stmt, values)
        return int(result.rowcount or 0) if result.rowcount and result.rowcount > 0 else 0

    async def settle_overtaken_inbox(self, key_prefix: str = "tg:") -> list[int]:
        """Settle kept updates never handled although a *later* update of the same chat was: one chat's updates are
        handled in order, so such an update was refused (the person was told to send it again) and handling it now
        would be a stale replay. Returns the update ids settled."""
        i, j = inbox_t.alias("i"), inbox_t.alias("j")
        key_i = sa.literal(key_prefix) + sa.cast(i.c.update_id, sa.String)
        key_j = sa.literal(key_prefix) + sa.cast(j.c.update_id, sa.String)
        handled_i = sa.select(handled_update_t.c.key).where(handled_update_t.c.key == key_i).exists()
        handled_j = sa.select(handled_update_t.c.key).where(handled_update_t.c.key == key_j).exists()
        later = (sa.select(j.c.update_id)
                 .where(j.c.chat_id == i.c.chat_id, j.c.update_id > i.c.update_id, handled_j).exists())
        stmt = sa.select(i.c.update_id).where(i.c.chat_id.is_not(None), ~handled_i, later)
        ids = [int(r.update_id) for r in (await self.conn.execute(stmt)).all()]
        await self.settle_updates(f"{key_prefix}{u}" for u in ids)
        return ids

    # --- outbox ---------------------------------------------------------------------------------------------------
    async def enqueue(
        self,
        kind: str,
        channel: str,
        chat_id: str | int,
        text: str,
        buttons: list[list[dict[str, str]]] | None = None,
        reference: str | None = None,
        *,
        dedup_key: str | None = None,
        meta: dict[str, Any] | None = None,
        not_before: datetime | None = None,
        leased: bool = False,
        sent: bool = False,
    ) -> int | None:
        """Queue a message, written with the change that causes it. Idempotent on ``dedup_key``: returns the new
        row id, or None when a message with this key already exists (nothing is queued twice)."""
        if isinstance(chat_id, dict):
            # Legacy form enqueue(kind, chat_id, payload, dedup_key) of an earlier version of the interface.
            payload = dict(chat_id)
            target_chat, dedup_key = channel, text
            channel = str(payload.pop("channel", "telegram"))
            text = str(payload.pop("text", ""))
            buttons = payload.pop("buttons", buttons)
            reference = payload.pop("reference", reference)
            chat_id = STAFF_CHAT if channel == STAFF_CHANNEL else target_chat
            if "reply_chat_id" in payload:
                payload["relay_to"] = {
                    "channel": payload.get("reply_channel", "telegram"),
                    "chat_id": str(payload["reply_chat_id"]),
                    "user_id": str(payload.get("user_id", "")),
                }
            meta = {**payload, **(meta or {})}
        if not dedup_key:
            raise ValueError("enqueue needs a dedup_key")
        now = utcnow()
        stmt = (
            self._insert(outbox_t)
            .values(
                kind=kind,
                channel=channel,
                chat_id=str(chat_id),
                text=text,
                buttons=buttons,
                meta=meta or {},
                reference=reference,
                dedup_key=dedup_key[:255],
                # sent=True: recorded as delivered before it is sent (at-most-once chatter sent right away by the
                # writer; reopened with mark_retry(reopen=True) if the transport refuses it)
                status=OUTBOX_SENT if sent else OUTBOX_PENDING,
                sent_at=now if sent else None,
                attempts=0,
                next_attempt_at=as_utc_datetime(not_before) or now,
                created_at=now,
                leased_by=self.store.worker_id if leased else None,
            )
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(outbox_t.c.id)
        )
        return (await self.conn.execute(stmt)).scalar_one_or_none()

    async def enqueue_many(self, messages: Sequence[dict[str, Any]], *, leased: bool = False,
                           sent: bool | Sequence[bool] = False, not_before: datetime | None = None) -> dict[str, int]:
        """Several :meth:`enqueue` in one statement (the replies of a turn, issue 14). Each message is a dict with
        ``kind, channel, chat_id, text, dedup_key`` and optional ``buttons, reference, meta``; ``sent`` may be one
        flag per message. Returns ``{dedup_key: id}`` of the rows inserted (a key already queued is skipped)."""
        if not messages:
            return {}
        now = utcnow()
        flags = [sent] * len(messages) if isinstance(sent, bool) else list(sent)
        values = []
        for m, early in zip(messages, flags):
            values.append(dict(
                kind=m["kind"], channel=m["channel"], chat_id=str(m["chat_id"]), text=m["text"],
                buttons=m.get("buttons"), meta=m.get("meta") or {}, reference=m.get("reference"),
                dedup_key=str(m["dedup_key"])[:255], status=OUTBOX_SENT if early else OUTBOX_PENDING,
                sent_at=now if early else None, attempts=0, next_attempt_at=as_utc_datetime(not_before) or now,
                created_at=now, leased_by=self.store.worker_id if leased else None, last_error=None,
                sent_message_id=None,
            ))
        stmt = (
            self._insert(outbox_t).values(values)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(outbox_t.c.id, outbox_t.c.dedup_key)
        )
        return {r.dedup_key: int(r.id) for r in (await self.conn.execute(stmt)).all()}

    async def get_outbox(self, outbox_id: int) -> OutboxMessage | None:
        row = (await self.conn.execute(sa.select(outbox_t).where(outbox_t.c.id == outbox_id))).first()
        return _outbox(row) if row else None

    async def due_outbox(self, now: datetime | None = None, limit: int = 50,
                         channels: Sequence[str] | None = None) -> list[OutboxMessage]:
        """Pending messages whose time has come, oldest first (of ``channels`` only, when given)."""
        stmt = sa.select(outbox_t).where(
            outbox_t.c.status == OUTBOX_PENDING, outbox_t.c.next_attempt_at <= as_utc_datetime(now or utcnow())
        )
        if channels is not None:
            stmt = stmt.where(outbox_t.c.channel.in_(list(channels)))
        stmt = stmt.order_by(outbox_t.c.id).limit(limit)
        return [_outbox(r) for r in (await self.conn.execute(stmt)).all()]

    async def claim_due_outbox(
        self, now: datetime | None = None, limit: int = 50, lease: timedelta = timedelta(seconds=60),
        channels: Sequence[str] | None = None,
    ) -> list[OutboxMessage]:
        """Like :meth:`due_outbox`, but pushes the claimed rows' ``next_attempt_at`` by ``lease`` so that another
        worker does not take them meanwhile, and keeps each chat's order: a row is claimed only when no earlier
        pending row of the same ``(channel, chat_id)`` is waiting (being retried, or leased to a sender). Several
        rows of one chat may be claimed together (in id order); the sender sends them in that order and stops at the
        first that fails (see :meth:`release_outbox`). ``channels`` restricts the claim to the sender's channels.

        PostgreSQL: claims are serialised by a transaction-scoped advisory lock (short), so that two workers never
        see the same chat's head as free at once; ``FOR UPDATE SKIP LOCKED`` on top."""
        now = as_utc_datetime(now or utcnow())
        if self._pg:
            await self.conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key("outbox-claim")})
        earlier = outbox_t.alias("earlier")
        blocked = (
            sa.select(earlier.c.id)
            .where(
                earlier.c.channel == outbox_t.c.channel,
                earlier.c.chat_id == outbox_t.c.chat_id,
                earlier.c.status == OUTBOX_PENDING,
                earlier.c.id < outbox_t.c.id,
                earlier.c.next_attempt_at > now,
            )
            .exists()
        )
        stmt = sa.select(outbox_t).where(
            outbox_t.c.status == OUTBOX_PENDING, outbox_t.c.next_attempt_at <= now, ~blocked
        )
        if channels is not None:
            stmt = stmt.where(outbox_t.c.channel.in_(list(channels)))
        stmt = stmt.order_by(outbox_t.c.id).limit(limit)
        if self._pg:
            stmt = stmt.with_for_update(skip_locked=True, of=outbox_t)
        rows = [_outbox(r) for r in (await self.conn.execute(stmt)).all()]
        if rows:
            await self.conn.execute(
                sa.update(outbox_t)
                .where(outbox_t.c.id.in_([m.id for m in rows]))
                .values(next_attempt_at=now + lease, leased_by=self.store.worker_id)  # type: ignore[operator]
            )
        return rows

    async def chat_has_pending(self, channel: str, chat_id: str | int) -> bool:
        """True when a message to this chat is still waiting to be delivered (a new one must queue behind it)."""
        stmt = (sa.select(outbox_t.c.id)
                .where(outbox_t.c.channel == channel, outbox_t.c.chat_id == str(chat_id),
                       outbox_t.c.status == OUTBOX_PENDING)
                .limit(1))
        return (await self.conn.execute(stmt)).first() is not None

    async def release_outbox(self, ids: Sequence[int], at: datetime | None = None) -> None:
        """Give claimed rows back (due at ``at``, default now) without counting an attempt: they were not tried
        because an earlier row of their chat failed (they stay behind it). Rows recorded as sent in advance and
        never tried are reopened."""
        if ids:
            await self.conn.execute(
                sa.update(outbox_t)
                .where(outbox_t.c.id.in_(list(ids)), outbox_t.c.status != OUTBOX_FAILED)
                .values(next_attempt_at=as_utc_datetime(at or utcnow()), leased_by=None, status=OUTBOX_PENDING,
                        sent_at=None)
            )

    async def mark_sent_many(self, results: Sequence[tuple[int, str | int | None]]) -> None:
        """:meth:`mark_sent` for several rows in one statement each (one transaction)."""
        for outbox_id, message_id in results:
            await self.mark_sent(outbox_id, message_id)

    async def set_outbox_meta(self, outbox_id: int, meta: dict[str, Any]) -> None:
        """Replace a row's ``meta`` (the sender records its progress in it, e.g. the parts already delivered)."""
        await self.conn.execute(sa.update(outbox_t).where(outbox_t.c.id == outbox_id).values(meta=meta))

    async def mark_sent(self, outbox_id: int, message_id: str | int | None) -> None:
        await self.conn.execute(
            sa.update(outbox_t)
            .where(outbox_t.c.id == outbox_id)
            .values(
                status=OUTBOX_SENT,
                sent_at=utcnow(),
                sent_message_id=None if message_id is None else str(message_id),
                attempts=outbox_t.c.attempts + 1,
            )
        )

    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime, reopen: bool = False) -> None:
        """Try again at ``next_attempt_at``. ``reopen``: also for a row recorded as sent in advance (issue 14)."""
        cond = outbox_t.c.status != OUTBOX_FAILED if reopen else outbox_t.c.status == OUTBOX_PENDING
        await self.conn.execute(
            sa.update(outbox_t)
            .where(outbox_t.c.id == outbox_id, cond)
            .values(
                status=OUTBOX_PENDING,
                sent_at=None,
                attempts=outbox_t.c.attempts + 1,
                last_error=str(error)[:MAX_ERROR_CHARS],
                next_attempt_at=as_utc_datetime(next_attempt_at),
                leased_by=None,
            )
        )

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        await self.conn.execute(
            sa.update(outbox_t)
            .where(outbox_t.c.id == outbox_id)
            .values(status=OUTBOX_FAILED, attempts=outbox_t.c.attempts + 1, last_error=str(error)[:MAX_ERROR_CHARS])
        )

    async def find_outbox_by_sent_message(self, channel: str, message_id: str | int) -> OutboxMessage | None:
        """The message we sent as ``message_id`` on ``channel`` (e.g. a relay in the staff group a staff member
        replied to: its ``meta`` says whom to relay the reply to)."""
        stmt = (
            sa.select(outbox_t)
            .where(outbox_t.c.channel == channel, outbox_t.c.sent_message_id == str(message_id))
            .order_by(outbox_t.c.id.desc())
            .limit(1)
        )
        row = (await self.conn.execute(stmt)).first()
        return _outbox(row) if row else None

    async def outbox_of_request(self, reference: str, channel: str | None = None) -> list[OutboxMessage]:
        """Messages queued about ``reference`` (on ``channel`` when given), oldest first: the console's view of
        what the mayor was sent, with each one's delivery status."""
        stmt = sa.select(outbox_t).where(outbox_t.c.reference == reference)
        if channel is not None:
            stmt = stmt.where(outbox_t.c.channel == channel)
        return [_outbox(r) for r in (await self.conn.execute(stmt.order_by(outbox_t.c.id))).all()]
