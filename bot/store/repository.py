"""The async repository: ``Store`` (engine, migrations, store-level helpers) and ``UnitOfWork`` (one transaction).

    store = await Store.open(url)                  # alembic upgrade to head (advisory lock on PostgreSQL)
    async with store.unit() as uow:                # commits on exit, rolls back on exception
        if not await uow.mark_update_handled(key): return
        conv = await uow.get_conversation(channel, chat_id)     # row locked (FOR UPDATE) on PostgreSQL
        ...
        await uow.save_conversation(conv)
    await store.close()

Concurrency: on PostgreSQL, ``get_conversation`` and ``get_request(for_update=True)``/``set_status`` lock the row, so
two workers handling one chat serialise; on SQLite every writing unit starts with ``BEGIN IMMEDIATE`` (writers
serialise; readers don't wait in WAL mode). ``save_conversation`` also checks the ``version`` it was given
(optimistic check), so a stale state can never overwrite a newer one on either backend.

Errors: :class:`RequestNotFound`, :class:`IllegalTransition`, :class:`ConcurrentUpdate` (all :class:`StoreError`);
a database that cannot be reached or stays locked raises :class:`StoreUnavailable` out of ``unit()``.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store import db, workdays
from bot.store.search import search_text
from bot.store.workdays import working_day_index, working_days_between  # noqa: F401 - one rule, imported from here too

from bot.store import inbox as _inbox  # issue 26

#: Events that are a staff action on a request (the first one is its "first contact"; issue 12b, dashboard).
FIRST_ACTION_KINDS = frozenset({"status", "question", "relay_to_mayor"})
from bot.store.models import (
    CLOSED_STATUSES,
    NOUVELLE,
    OPEN_STATUSES,
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    STATUSES,
    ConversationState,
    EventRecord,
    OutboxMessage,
    RequestDraft,
    STAFF_CHANNEL,
    STAFF_CHAT,
    Agent,
    RequestRecord,
    RequestRoute,
    can_transition,
)
from bot.store.tables import (
    agent_t,
    login_attempt_t,
    login_token_t,
    request_route_t,
    request_theme_t,
    conversation_t,
    counter_t,
    event_t,
    handled_update_t,
    inbox_t,
    outbox_t,
    rate_limit_t,
    request_t,
    utcnow,
)

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 1000


class StoreError(Exception):
    """Base class of the repository's own errors."""


class StoreUnavailable(StoreError):
    """The database could not be reached, or stayed locked: tell the person to try again in a moment."""


class RequestNotFound(StoreError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"unknown request reference {reference!r}")
        self.reference = reference


class IllegalTransition(StoreError):
    def __init__(self, reference: str, current: str, new: str) -> None:
        super().__init__(f"request {reference}: cannot go from {current!r} to {new!r}")
        self.reference = reference
        self.current = current
        self.new = new


class ConcurrentUpdate(StoreError):
    """The conversation changed since it was read (stale ``version``); the unit is rolled back."""


def as_utc_datetime(value: datetime | date | None) -> datetime | None:
    """``date`` → midnight UTC; naive ``datetime`` → assumed UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.combine(value, time.min, tzinfo=timezone.utc)


def _request(row: Any) -> RequestRecord:
    return RequestRecord.model_validate(dict(row._mapping))


def _conversation(row: Any) -> ConversationState:
    return ConversationState.model_validate(dict(row._mapping))


def _event(row: Any) -> EventRecord:
    return EventRecord.model_validate(dict(row._mapping))


def _outbox(row: Any) -> OutboxMessage:
    return OutboxMessage.model_validate(dict(row._mapping))


_UNAVAILABLE = (sa_exc.DBAPIError, sa_exc.TimeoutError, sa_exc.DisconnectionError, OSError, TimeoutError)


class Store:
    """Owns the engine. Create with :meth:`open`; one per process."""

    def __init__(self, engine: AsyncEngine, departement: str = "90", timezone_name: str = "Europe/Paris") -> None:
        self.engine = engine
        self.departement = departement
        self.tz = ZoneInfo(timezone_name)
        self.dialect = engine.dialect.name
        # SQLite: writers of this process queue here, in order, instead of polling SQLite's busy handler (which
        # sleeps up to 100 ms between tries); other processes are still held off by BEGIN IMMEDIATE + busy_timeout.
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.dialect == "sqlite" else None
        self.write_lock_timeout = 30.0
        # --- issue 14 --- this process, as the holder of outbox leases; alive while its advisory lock is held (PG)
        self.worker_id = uuid.uuid4().hex[:16]
        self._worker_conn: AsyncConnection | None = None
        # --- issue 26 --- called inside log_event's transaction for news on a request (set by bot.staff.notify)
        self.news_hook: Any = None

    @classmethod
    async def open(
        cls,
        url: str,
        departement: str | None = None,
        *,
        timezone_name: str | None = None,
        migrate: bool = True,
        **engine_kwargs: Any,
    ) -> "Store":
        """Create the engine for ``url`` and upgrade the schema to head.

        ``departement`` (for references, and the public holidays of working days: see :mod:`bot.store.workdays`,
        configured here for the whole process) and ``timezone_name`` (for the reference's year) default to the
        settings read now (``GUICHET_DEPARTEMENT``, ``GUICHET_TIMEZONE``).
        """
        if departement is None or timezone_name is None:
            from bot.config import load_settings

            settings = load_settings()
            departement = departement or settings.departement
            timezone_name = timezone_name or settings.timezone
        engine = db.make_engine(url, **engine_kwargs)
        store = cls(engine, departement=departement, timezone_name=timezone_name)
        workdays.configure(departement)
        if migrate:
            try:
                await db.upgrade(engine, departement=departement)
            except _UNAVAILABLE as exc:
                await engine.dispose()
                if isinstance(exc, sa_exc.DBAPIError) and not _is_unavailable(exc):
                    raise
                raise StoreUnavailable(f"database unavailable ({db.redact(url)}): {type(exc).__name__}") from exc
            except BaseException:
                await engine.dispose()
                raise
        log.info("store open (%s, %s)", engine.dialect.name, db.redact(url))
        return store

    async def close(self) -> None:
        conn, self._worker_conn = self._worker_conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        await self.engine.dispose()

    # --- issue 14: outbox leases of dead workers ------------------------------------------------------------------
    async def hold_worker_lock(self) -> None:
        """PostgreSQL: hold, for the life of this process, a session advisory lock named after :attr:`worker_id`,
        so that other workers can tell it is alive (see :meth:`release_orphan_leases`). No-op on SQLite."""
        if self.dialect != "postgresql" or self._worker_conn is not None:
            return
        conn = await self.engine.connect()
        await conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _lock_key("worker", self.worker_id)})
        await conn.commit()
        self._worker_conn = conn

    async def release_orphan_leases(self, channels: Sequence[str] | None = None) -> int:
        """Give back at once the pending outbox rows leased by workers that are gone (a crash): on SQLite, every
        other worker (its deployments run one process per role); on PostgreSQL, the workers whose advisory lock is
        free. ``channels``: only rows of these channels (a worker takes back only what it would claim, so that the
        Telegram process and the web server, separate processes, never touch each other's leases).
        Returns how many rows were released. Rows of live workers keep their lease."""
        mine = [outbox_t.c.channel.in_(list(channels))] if channels is not None else []
        async with self.unit() as uow:
            owners = [r[0] for r in (await uow.conn.execute(
                sa.select(outbox_t.c.leased_by).distinct()
                .where(outbox_t.c.status == OUTBOX_PENDING, outbox_t.c.leased_by.is_not(None),
                       outbox_t.c.leased_by != self.worker_id, *mine))).all()]
            dead: list[str] = []
            for owner in owners:
                if self.dialect != "postgresql":
                    dead.append(owner)
                    continue
                key = _lock_key("worker", owner)
                got = (await uow.conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})).scalar()
                if got:
                    dead.append(owner)
            if not dead:
                return 0
            result = await uow.conn.execute(
                sa.update(outbox_t)
                .where(outbox_t.c.status == OUTBOX_PENDING, outbox_t.c.leased_by.in_(dead), *mine)
                .values(leased_by=None, next_attempt_at=utcnow())
            )
            return int(result.rowcount or 0)

    @asynccontextmanager
    async def unit(self, readonly: bool = False) -> AsyncIterator["UnitOfWork"]:
        """One transaction. Commits when the block exits normally, rolls back on any exception.

        ``readonly=True`` on SQLite starts a deferred transaction (does not take the write lock).
        """
        lock = None if readonly else self._write_lock
        if lock is not None:
            try:
                await asyncio.wait_for(lock.acquire(), self.write_lock_timeout)
            except asyncio.TimeoutError:
                raise StoreUnavailable("database busy (write lock)") from None
        try:
            async with self.engine.connect() as conn:
                if readonly and self.dialect == "sqlite":
                    conn = await conn.execution_options(**{db.BEGIN_MODE_OPTION: "DEFERRED"})
                async with conn.begin():
                    yield UnitOfWork(conn, self)
        except _UNAVAILABLE as exc:
            if isinstance(exc, sa_exc.DBAPIError) and not _is_unavailable(exc):
                raise
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        finally:
            if lock is not None:
                lock.release()

    # --- store-level helpers (each opens its own unit) -----------------------------------------------------------
    async def take_rate_slot(self, key: str, window_start: int, window: int, previous_weight: float,
                             limit: int) -> bool:
        """:meth:`UnitOfWork.take_rate_slot` in its own transaction; one statement, so on PostgreSQL it runs in
        autocommit (no ``BEGIN``/``COMMIT`` round trips: the statement is its own transaction)."""
        if self.dialect != "postgresql":
            async with self.unit() as uow:
                return await uow.take_rate_slot(key, window_start, window, previous_weight, limit)
        try:
            async with self.engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                return await UnitOfWork(conn, self).take_rate_slot(key, window_start, window, previous_weight, limit)
        except _UNAVAILABLE as exc:
            if isinstance(exc, sa_exc.DBAPIError) and not _is_unavailable(exc):
                raise
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc

    async def get_request(self, reference: str) -> RequestRecord | None:
        async with self.unit(readonly=True) as uow:
            return await uow.get_request(reference)

    async def list_requests(self, **filters: Any) -> list[RequestRecord]:
        async with self.unit(readonly=True) as uow:
            return await uow.list_requests(**filters)

    async def history(self, reference: str) -> list[EventRecord]:
        async with self.unit(readonly=True) as uow:
            return await uow.history(reference)

    async def due_outbox(self, now: datetime | None = None, limit: int = 50,
                         channels: Sequence[str] | None = None) -> list[OutboxMessage]:
        async with self.unit(readonly=True) as uow:
            return await uow.due_outbox(now, limit, channels)

    async def claim_due_outbox(
        self, now: datetime | None = None, limit: int = 50, lease: timedelta = timedelta(seconds=60),
        channels: Sequence[str] | None = None,
    ) -> list[OutboxMessage]:
        async with self.unit() as uow:
            return await uow.claim_due_outbox(now, limit, lease, channels)

    async def mark_sent(self, outbox_id: int, message_id: str | int | None) -> None:
        async with self.unit() as uow:
            await uow.mark_sent(outbox_id, message_id)

    # --- issue 14 ---
    async def mark_sent_many(self, results: Sequence[tuple[int, str | int | None]]) -> None:
        if results:
            async with self.unit() as uow:
                await uow.mark_sent_many(results)

    async def release_outbox(self, ids: Sequence[int], at: datetime | None = None) -> None:
        if ids:
            async with self.unit() as uow:
                await uow.release_outbox(ids, at)

    async def set_outbox_meta(self, outbox_id: int, meta: dict[str, Any]) -> None:
        async with self.unit() as uow:
            await uow.set_outbox_meta(outbox_id, meta)

    async def settle_updates(self, keys: Iterable[str]) -> int:
        async with self.unit() as uow:
            return await uow.settle_updates(keys)

    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime, reopen: bool = False) -> None:
        async with self.unit() as uow:
            await uow.mark_retry(outbox_id, error, next_attempt_at, reopen)

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        async with self.unit() as uow:
            await uow.mark_failed(outbox_id, error)

    async def conversations_needing_reminder(
        self, older_than: datetime, exclude_steps: Iterable[str] = ()
    ) -> list[ConversationState]:
        async with self.unit(readonly=True) as uow:
            return await uow.conversations_needing_reminder(older_than, exclude_steps)

    async def requests_waiting(self, longer_than: timedelta, now: datetime | None = None) -> list[RequestRecord]:
        async with self.unit(readonly=True) as uow:
            return await uow.requests_waiting(longer_than, now)

    async def set_staff_message(self, reference: str, message_id: str | int) -> None:
        async with self.unit() as uow:
            await uow.set_staff_message(reference, message_id)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Run something (a jobs pass) in one worker at a time: yields True when this process got the lock ``name``,
        False when another worker holds it (then skip, don't wait).

        PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection kept for the block, released
        at exit (if the release fails the connection is dropped, which releases it too). SQLite: always True (its
        deployments run one process).
        """
        if self.dialect != "postgresql":
            yield True
            return
        key = _lock_key("exclusive", name)
        try:
            conn = await self.engine.connect()
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        got = False
        try:
            try:
                got = bool((await conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar())
                await conn.commit()
            except _UNAVAILABLE as exc:
                raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc
            yield got
        finally:
            try:
                if got:
                    await conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    await conn.commit()
                await conn.close()
            except BaseException:  # noqa: BLE001 - never give back a connection that may still hold the lock
                await conn.invalidate()
                await conn.close()
                raise


def _lock_key(*parts: str) -> int:
    """A signed 64-bit advisory lock key for ``parts`` (the chat locks use the same hashing of channel, chat)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


#: SQLSTATE classes/codes meaning "the database is not there right now; try again": connection exceptions (08),
#: insufficient resources (53), operator intervention such as a shutdown (57P), unknown database (3D000),
#: serialization failure / deadlock (40001, 40P01).
_RETRYABLE_SQLSTATES = ("08", "53", "57P", "3D000", "40001", "40P01")


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (getattr(exc, "orig", None), getattr(getattr(exc, "orig", None), "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def _is_unavailable(exc: sa_exc.DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return True
    code = _sqlstate(exc)
    return bool(code and code.startswith(_RETRYABLE_SQLSTATES))


#: The rate-limit upsert per dialect, built once (see :meth:`UnitOfWork.take_rate_slot`).
_RATE_SLOT: dict[str, Any] = {}


def _rate_slot_statement(insert: Any) -> Any:
    t = rate_limit_t
    previous = t.alias("previous_window")
    previous_hits = sa.select(previous.c.hits).where(
        previous.c.key == sa.bindparam("key", type_=sa.String),
        previous.c.window_start == sa.bindparam("previous_start", type_=sa.BigInteger)).scalar_subquery()
    room = (sa.bindparam("limit", type_=sa.Float)
            - sa.func.coalesce(previous_hits, 0) * sa.bindparam("weight", type_=sa.Float))
    row = sa.select(sa.bindparam("key", type_=sa.String), sa.bindparam("window_start", type_=sa.BigInteger),
                    sa.literal_column("1", sa.Integer), sa.bindparam("expires", type_=sa.BigInteger)).where(room >= 1)
    return (insert.from_select(["key", "window_start", "hits", "expires"], row)
            .on_conflict_do_update(index_elements=["key", "window_start"], set_={"hits": t.c.hits + 1},
                                   where=t.c.hits + 1 <= room)
            .returning(t.c.hits))


class UnitOfWork:
    """Repository operations inside one transaction (see :meth:`Store.unit`)."""

    def __init__(self, conn: AsyncConnection, store: Store) -> None:
        self.conn = conn
        self.store = store
        self._pg = store.dialect == "postgresql"
        self._deleted_conversations: set[tuple[str, str]] = set()

    # --- helpers --------------------------------------------------------------------------------------------------
    def _insert(self, table: sa.Table) -> Any:
        return pg_insert(table) if self._pg else sqlite_insert(table)

    def _lock(self, stmt: Any) -> Any:
        return stmt.with_for_update() if self._pg else stmt

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

    # --- conversations --------------------------------------------------------------------------------------------
    async def lock_chat(self, channel: str, chat_id: str | int) -> None:
        """Serialise units on one chat until this transaction ends, whether its row exists yet or not
        (PostgreSQL transaction-scoped advisory lock; SQLite writers are serialised already)."""
        if self._pg:
            key = _lock_key(channel, str(chat_id))
            await self.conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    async def get_conversation(self, channel: str, chat_id: str | int) -> ConversationState | None:
        """The chat's state; on PostgreSQL the chat is locked for the rest of the unit (see :meth:`lock_chat`), so
        two workers handling updates of one chat take turns, even for a chat seen for the first time."""
        await self.lock_chat(channel, str(chat_id))
        stmt = sa.select(conversation_t).where(
            conversation_t.c.channel == channel, conversation_t.c.chat_id == str(chat_id)
        )
        row = (await self.conn.execute(self._lock(stmt))).first()
        return _conversation(row) if row else None

    async def save_conversation(self, state: ConversationState) -> ConversationState:
        """Insert (``version == 0``) or update (``version`` must match the stored one); returns the saved state.

        Raises :class:`ConcurrentUpdate` if the row changed since it was read (or exists when inserting).
        A conversation deleted earlier in this same unit (e.g. by ``erase_personal_data``) is saved anew (version 1).
        """
        now = utcnow()
        key = (state.channel, str(state.chat_id))
        if state.version and key in self._deleted_conversations:
            state = state.model_copy(update={"version": 0, "created_at": None})
        values = {
            "user_id": str(state.user_id),
            "step": state.step,
            "data": state.data,
            "updated_at": now,
            "reminder_sent_at": state.reminder_sent_at,
        }
        if state.version == 0:
            created = state.created_at or now
            stmt = (
                self._insert(conversation_t)
                .values(channel=state.channel, chat_id=str(state.chat_id), created_at=created, version=1, **values)
                .on_conflict_do_nothing(index_elements=["channel", "chat_id"])
            )
            result = await self.conn.execute(stmt)
            if result.rowcount != 1:
                raise ConcurrentUpdate(f"conversation {state.channel}/{state.chat_id} already exists")
            self._deleted_conversations.discard(key)
            return state.model_copy(update={"version": 1, "created_at": created, "updated_at": now})
        stmt = (
            sa.update(conversation_t)
            .where(
                conversation_t.c.channel == state.channel,
                conversation_t.c.chat_id == str(state.chat_id),
                conversation_t.c.version == state.version,
            )
            .values(version=state.version + 1, **values)
        )
        result = await self.conn.execute(stmt)
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"conversation {state.channel}/{state.chat_id} changed since it was read")
        return state.model_copy(update={"version": state.version + 1, "updated_at": now})

    async def delete_conversation(self, channel: str, chat_id: str | int) -> bool:
        result = await self.conn.execute(
            sa.delete(conversation_t).where(
                conversation_t.c.channel == channel, conversation_t.c.chat_id == str(chat_id)
            )
        )
        self._deleted_conversations.add((channel, str(chat_id)))
        return result.rowcount > 0

    async def delete_conversations_of_user(self, channel: str, user_id: str | int) -> int:
        rows = (
            await self.conn.execute(
                sa.delete(conversation_t)
                .where(conversation_t.c.channel == channel, conversation_t.c.user_id == str(user_id))
                .returning(conversation_t.c.chat_id)
            )
        ).all()
        self._deleted_conversations.update((channel, r.chat_id) for r in rows)
        return len(rows)

    async def mark_reminder_sent(self, channel: str, chat_id: str | int, at: datetime | None = None) -> None:
        await self.conn.execute(
            sa.update(conversation_t)
            .where(conversation_t.c.channel == channel, conversation_t.c.chat_id == str(chat_id))
            .values(reminder_sent_at=at or utcnow())
        )

    async def conversations_needing_reminder(
        self, older_than: datetime, exclude_steps: Iterable[str] = ()
    ) -> list[ConversationState]:
        """Conversations idle since before ``older_than`` that got no reminder yet (minus ``exclude_steps``)."""
        stmt = sa.select(conversation_t).where(
            conversation_t.c.updated_at < as_utc_datetime(older_than),
            conversation_t.c.reminder_sent_at.is_(None),
        )
        steps = list(exclude_steps)
        if steps:
            stmt = stmt.where(conversation_t.c.step.not_in(steps))
        rows = (await self.conn.execute(stmt.order_by(conversation_t.c.updated_at))).all()
        return [_conversation(r) for r in rows]

    # --- requests -------------------------------------------------------------------------------------------------
    async def _next_reference(self, departement: str, now: datetime) -> str:
        year = now.astimezone(self.store.tz).year
        scope = f"{departement}-{year}"
        stmt = (
            self._insert(counter_t)
            .values(scope=scope, value=1)
            .on_conflict_do_update(index_elements=["scope"], set_={"value": counter_t.c.value + 1})
            .returning(counter_t.c.value)
        )
        seq = (await self.conn.execute(stmt)).scalar_one()
        return f"{scope}-{seq:04d}"

    async def create_request(self, draft: RequestDraft, actor: str | None = None) -> RequestRecord:
        """File a request: allocates the reference (``90-2026-0042``) in this transaction; logs ``created``."""
        now = utcnow()
        departement = draft.departement or self.store.departement
        reference = await self._next_reference(departement, now)
        values = draft.model_dump(exclude={"departement"})
        values.update(
            reference=reference,
            status=NOUVELLE,
            created_at=now,
            updated_at=now,
            user_id=str(draft.user_id),
            chat_id=str(draft.chat_id),
        )
        values["search_text"] = search_text(reference, draft.commune_name, draft.description,  # issue 12
                                            draft.contact_name, draft.email, draft.phone)  # issue 26
        await self.conn.execute(sa.insert(request_t).values(**values))
        if draft.themes:  # issue 12: one row per theme (console filters, dashboard counts)
            await self.conn.execute(sa.insert(request_theme_t), [
                {"reference": reference, "theme": str(t)[:64]} for t in dict.fromkeys(draft.themes)])
        await self.log_event(
            reference,
            actor or f"{draft.channel}:{draft.user_id}",
            "created",
            {"status": NOUVELLE, "channel": draft.channel, "themes": list(draft.themes), "matches": list(draft.matches)},
        )
        record = await self.get_request(reference)
        assert record is not None
        return record

    async def get_request(self, reference: str, for_update: bool = False) -> RequestRecord | None:
        stmt = sa.select(request_t).where(request_t.c.reference == (reference or "").strip().upper())
        if for_update:
            stmt = self._lock(stmt)
        row = (await self.conn.execute(stmt)).first()
        return _request(row) if row else None

    async def _require(self, reference: str, for_update: bool = True) -> RequestRecord:
        record = await self.get_request(reference, for_update=for_update)
        if record is None:
            raise RequestNotFound(reference)
        return record

    async def list_requests(
        self,
        channel: str | None = None,
        user_id: str | int | None = None,
        status: str | Sequence[str] | None = None,
        since: datetime | date | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[RequestRecord]:
        stmt = sa.select(request_t)
        if channel is not None:
            stmt = stmt.where(request_t.c.channel == channel)
        if user_id is not None:
            stmt = stmt.where(request_t.c.user_id == str(user_id))
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            stmt = stmt.where(request_t.c.status.in_(statuses))
        if since is not None:
            stmt = stmt.where(request_t.c.created_at >= as_utc_datetime(since))
        order = request_t.c.id.desc() if newest_first else request_t.c.id.asc()
        stmt = stmt.order_by(order)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_request(r) for r in (await self.conn.execute(stmt)).all()]

    async def find_similar_open(
        self, commune_code: str | None, themes: Iterable[str], since: datetime | date
    ) -> list[RequestRecord]:
        """Open requests of the same commune, created since ``since``, sharing at least one theme (newest first)."""
        if not commune_code:
            return []
        wanted = set(themes)
        stmt = (
            sa.select(request_t)
            .where(
                request_t.c.commune_code == commune_code,
                request_t.c.status.in_(sorted(OPEN_STATUSES)),
                request_t.c.created_at >= as_utc_datetime(since),
            )
            .order_by(request_t.c.id.desc())
        )
        rows = (await self.conn.execute(stmt)).all()
        return [rec for rec in map(_request, rows) if wanted & set(rec.themes or [])]

    async def _touch(self, reference: str, **values: Any) -> None:
        await self.conn.execute(
            sa.update(request_t).where(request_t.c.reference == reference).values(updated_at=utcnow(), **values)
        )

    async def append_to_request(
        self, reference: str, text: str, actor: str, attachments: list[dict[str, Any]] | None = None
    ) -> EventRecord:
        """Attach a text (and optional attachment descriptors) to a request, as an ``appended`` event."""
        record = await self._require(reference)
        data: dict[str, Any] = {"text": text}
        if attachments:
            data["attachments"] = attachments
        await self._touch(record.reference)
        return await self.log_event(record.reference, actor, "appended", data)

    async def set_status(
        self,
        reference: str,
        status: str,
        actor: str,
        note: str | None = None,
        operator: str | None = None,
        assigned_to: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> RequestRecord:
        """Change the status (validated against :data:`bot.store.models.TRANSITIONS`), log a ``status`` event
        (``{"from", "to", "note"?, "operator"?, "assigned_to"?}`` plus ``extra``)."""
        record = await self._require(reference)
        if status not in STATUSES or not can_transition(record.status, status):
            raise IllegalTransition(record.reference, record.status, status)
        now = utcnow()
        values: dict[str, Any] = {"status": status}
        if operator is not None:
            values["operator"] = operator
        if assigned_to is not None:
            values["assigned_to"] = assigned_to
        if status in CLOSED_STATUSES:
            values["closed_at"] = now
        await self._touch(record.reference, **values)
        data: dict[str, Any] = {"from": record.status, "to": status}
        if note:
            data["note"] = note
        if operator is not None:
            data["operator"] = operator
        if assigned_to is not None:
            data["assigned_to"] = assigned_to
        if extra:
            data.update({k: v for k, v in extra.items() if k not in data})
        await self.log_event(record.reference, actor, "status", data)
        updated = await self.get_request(record.reference)
        assert updated is not None
        return updated

    async def set_staff_message(self, reference: str, message_id: str | int) -> None:
        await self.conn.execute(
            sa.update(request_t).where(request_t.c.reference == reference).values(staff_message_id=str(message_id))
        )

    async def find_request_by_staff_message(self, message_id: str | int) -> RequestRecord | None:
        stmt = sa.select(request_t).where(request_t.c.staff_message_id == str(message_id)).limit(1)
        row = (await self.conn.execute(stmt)).first()
        return _request(row) if row else None

    async def requests_waiting(self, longer_than: timedelta, now: datetime | None = None) -> list[RequestRecord]:
        """Open requests not updated for ``longer_than`` (oldest first): the staff's morning digest."""
        cutoff = as_utc_datetime(now or utcnow()) - longer_than  # type: ignore[operator]
        stmt = (
            sa.select(request_t)
            .where(request_t.c.status.in_(sorted(OPEN_STATUSES)), request_t.c.updated_at < cutoff)
            .order_by(request_t.c.updated_at)
        )
        return [_request(r) for r in (await self.conn.execute(stmt)).all()]

    # --- events ---------------------------------------------------------------------------------------------------
    async def log_event(
        self, reference: str | None, actor: str, kind: str, data: dict[str, Any] | None = None
    ) -> EventRecord:
        at = utcnow()
        stmt = (
            sa.insert(event_t)
            .values(at=at, reference=reference, actor=str(actor)[:200], kind=kind, data=data or {})
            .returning(event_t.c.id)
        )
        event_id = (await self.conn.execute(stmt)).scalar_one()
        if reference and kind in FIRST_ACTION_KINDS:  # issue 12b
            await self._note_first_action(reference, kind, data or {}, at)
        event = EventRecord(id=event_id, at=at, reference=reference, actor=str(actor)[:200], kind=kind, data=data or {})
        if reference and kind in _inbox.SEARCH_KINDS and (data or {}).get("text"):  # issue 26: search the words
            await _inbox.add_search_words(self, reference, str((data or {})["text"]))
        news = _inbox.news_kind_of(kind, data or {})
        if reference and news:  # issue 26: the console's unread markers, and the owner told (bot.staff.notify)
            if news != _inbox.OWNER_CHANGED:
                await _inbox.note_news(self, reference, news, at)
            hook = getattr(self.store, "news_hook", None)
            if hook is not None:
                await hook(self, event, news)
        return event

    # --- issue 12b (dashboard) ---
    async def _note_first_action(self, reference: str, kind: str, data: dict[str, Any], at: datetime) -> None:
        """Keep ``first_action_at`` (first staff action: a status change, a question, a message to the mayor) and
        ``routed_at`` (first routing to an operator) on the request, for the comité's dashboard."""
        c = request_t.c
        row = (await self.conn.execute(sa.select(c.created_at, c.first_action_at, c.routed_at)
                                       .where(c.reference == reference))).first()
        if row is None:
            return
        values: dict[str, Any] = {}
        if row.first_action_at is None:
            values["first_action_at"] = at
            values["first_action_wd"] = working_days_between(row.created_at, at, self.store.departement)
        if row.routed_at is None and kind == "status" and data.get("to") == "orientee":
            values["routed_at"] = at
        if values:
            await self.conn.execute(sa.update(request_t).where(c.reference == reference).values(**values))

    async def history(self, reference: str) -> list[EventRecord]:
        stmt = sa.select(event_t).where(event_t.c.reference == reference).order_by(event_t.c.id)
        return [_event(r) for r in (await self.conn.execute(stmt)).all()]

    async def count_events(self, reference: str, kind: str) -> int:
        stmt = sa.select(sa.func.count()).select_from(event_t).where(
            event_t.c.reference == reference, event_t.c.kind == kind
        )
        return int((await self.conn.execute(stmt)).scalar_one())

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

    # --- issue 9 ---: the person remembered between requests, and whether staff wrote to a chat -----------------
    async def get_person(self, channel: str, user_id: str | int) -> dict[str, Any] | None:
        """Name, phone, e-mail, role and collectivité the person gave on their last request (None if unknown)."""
        from bot.store.tables import person_t

        row = (await self.conn.execute(sa.select(person_t).where(
            person_t.c.channel == channel, person_t.c.user_id == str(user_id)))).first()
        if row is None:
            return None
        return {k: getattr(row, k) for k in ("name", "phone", "email", "role", "commune_code", "commune_name")}

    async def save_person(self, channel: str, user_id: str | int, **fields: Any) -> None:
        """Insert or update the person (only the fields given; ``None`` values keep what was known)."""
        from bot.store.tables import person_t

        now = utcnow()
        known = {k: v for k, v in fields.items()
                 if k in ("name", "phone", "email", "role", "commune_code", "commune_name") and v is not None}
        stmt = self._insert(person_t).values(channel=channel, user_id=str(user_id), created_at=now, updated_at=now,
                                             **known)
        stmt = stmt.on_conflict_do_update(index_elements=["channel", "user_id"], set_={**known, "updated_at": now})
        await self.conn.execute(stmt)

    async def delete_person(self, channel: str, user_id: str | int) -> int:
        from bot.store.tables import person_t

        result = await self.conn.execute(sa.delete(person_t).where(
            person_t.c.channel == channel, person_t.c.user_id == str(user_id)))
        return int(result.rowcount or 0)

    async def staff_wrote_since(self, channel: str, chat_id: str | int, since: datetime) -> bool:
        """True when staff wrote to this chat (a relayed reply or a question) after ``since``."""
        stmt = sa.select(outbox_t.c.id).where(
            outbox_t.c.channel == channel, outbox_t.c.chat_id == str(chat_id),
            outbox_t.c.kind.in_(("relay_to_mayor", "staff_question")),
            outbox_t.c.created_at > as_utc_datetime(since)).limit(1)
        return (await self.conn.execute(stmt)).first() is not None

    # --- issue 12 (console): agents, login links and attempts, per-operator routes, staff actions ----------------
    async def get_agent(self, agent_id: int) -> Agent | None:
        row = (await self.conn.execute(sa.select(agent_t).where(agent_t.c.id == int(agent_id)))).first()
        return Agent.model_validate(dict(row._mapping)) if row else None

    async def get_agent_by_email(self, email: str) -> Agent | None:
        stmt = sa.select(agent_t).where(agent_t.c.email == (email or "").strip().lower())
        row = (await self.conn.execute(stmt)).first()
        return Agent.model_validate(dict(row._mapping)) if row else None

    async def list_agents(self, active_only: bool = False) -> list[Agent]:
        stmt = sa.select(agent_t).order_by(agent_t.c.name, agent_t.c.id)
        if active_only:
            stmt = stmt.where(agent_t.c.active.is_(True))
        return [Agent.model_validate(dict(r._mapping)) for r in (await self.conn.execute(stmt)).all()]

    async def save_agent(self, email: str, name: str, role: str, operator: str | None = None,
                         active: bool = True) -> tuple[Agent, bool]:
        """Create the agent ``email`` (lower-cased) or update its name, role, operator and active flag.
        Returns ``(agent, created)``."""
        email = email.strip().lower()
        existing = await self.get_agent_by_email(email)
        values = {"name": name, "role": role, "operator": operator, "active": active}
        if existing is None:
            await self.conn.execute(sa.insert(agent_t).values(email=email, created_at=utcnow(), **values))
        else:
            await self.conn.execute(sa.update(agent_t).where(agent_t.c.id == existing.id).values(**values))
        agent = await self.get_agent_by_email(email)
        assert agent is not None
        return agent, existing is None

    async def agent_logged_in(self, agent_id: int, oidc_sub: str | None = None) -> None:
        values: dict[str, Any] = {"last_login_at": utcnow()}
        if oidc_sub:
            values["oidc_sub"] = oidc_sub
        await self.conn.execute(sa.update(agent_t).where(agent_t.c.id == agent_id).values(**values))

    async def create_login_token(self, agent_id: int, token_hash: str, valid_for: timedelta) -> None:
        now = utcnow()
        await self.conn.execute(sa.insert(login_token_t).values(
            token_hash=token_hash, agent_id=agent_id, created_at=now, expires_at=now + valid_for))

    async def consume_login_token(self, token_hash: str, now: datetime | None = None) -> Agent | None:
        """Use a login link once: the agent if the token exists, is unused, unexpired and the agent active; None
        otherwise. The update is conditional, so two concurrent uses cannot both succeed."""
        now = as_utc_datetime(now) or utcnow()
        row = (await self.conn.execute(
            sa.select(login_token_t.c.agent_id).where(login_token_t.c.token_hash == token_hash))).first()
        if row is None:
            return None
        result = await self.conn.execute(
            sa.update(login_token_t)
            .where(login_token_t.c.token_hash == token_hash, login_token_t.c.used_at.is_(None),
                   login_token_t.c.expires_at > now)
            .values(used_at=now)
        )
        if result.rowcount != 1:
            return None
        agent = await self.get_agent(row.agent_id)
        return agent if agent is not None and agent.active else None

    async def count_login_attempts(self, key: str, since: datetime) -> int:
        stmt = sa.select(sa.func.count()).select_from(login_attempt_t).where(
            login_attempt_t.c.key == key[:200], login_attempt_t.c.at >= as_utc_datetime(since))
        return int((await self.conn.execute(stmt)).scalar_one())

    async def record_login_attempt(self, key: str, prune_before: datetime | None = None) -> None:
        await self.conn.execute(sa.insert(login_attempt_t).values(key=key[:200], at=utcnow()))
        if prune_before is not None:
            await self.conn.execute(
                sa.delete(login_attempt_t).where(login_attempt_t.c.at < as_utc_datetime(prune_before)))

    # --- shared rate limits (bot/store/ratelimit.py) -------------------------------------------------------------
    async def take_rate_slot(self, key: str, window_start: int, window: int, previous_weight: float,
                             limit: int) -> bool:
        """Count one hit of ``key`` in the fixed window starting at ``window_start`` (seconds), if the estimate of
        hits in the sliding window ending now stays within ``limit``: the previous window's hits weighted by
        ``previous_weight`` (the share of it still inside the sliding window) plus this window's, this hit included.
        True when counted (allowed); a refused hit is not counted.

        One statement, atomic across workers: ``INSERT … SELECT … WHERE room >= 1 ON CONFLICT (key, window_start)
        DO UPDATE SET hits = hits + 1 WHERE hits + 1 <= room RETURNING hits``, where ``room`` is ``limit`` minus the
        previous window's weighted hits (that window is closed: only read). The conflict's ``WHERE`` is evaluated on
        the locked, latest row (PostgreSQL) or under the write lock (SQLite), so concurrent hits never exceed it."""
        stmt = _RATE_SLOT.get(self.store.dialect)
        if stmt is None:
            stmt = _RATE_SLOT[self.store.dialect] = _rate_slot_statement(self._insert(rate_limit_t))
        params = {"key": key, "window_start": window_start, "previous_start": window_start - window,
                  "expires": window_start + 2 * window, "limit": limit + 1e-9, "weight": max(previous_weight, 0.0)}
        return (await self.conn.execute(stmt, params)).first() is not None

    async def purge_rate_limits(self, now: int) -> int:
        """Delete the rate-limit rows no limiter reads any more (``expires`` before ``now``, seconds)."""
        result = await self.conn.execute(sa.delete(rate_limit_t).where(rate_limit_t.c.expires < now))
        return int(result.rowcount or 0)

    async def routes(self, reference: str) -> list[RequestRoute]:
        stmt = sa.select(request_route_t).where(request_route_t.c.reference == reference).order_by(
            request_route_t.c.id)
        return [RequestRoute.model_validate(dict(r._mapping)) for r in (await self.conn.execute(stmt)).all()]

    async def routes_of(self, references: Sequence[str]) -> dict[str, list[RequestRoute]]:
        out: dict[str, list[RequestRoute]] = {}
        if not references:
            return out
        stmt = sa.select(request_route_t).where(request_route_t.c.reference.in_(list(references))).order_by(
            request_route_t.c.id)
        for r in (await self.conn.execute(stmt)).all():
            route = RequestRoute.model_validate(dict(r._mapping))
            out.setdefault(route.reference, []).append(route)
        return out

    async def set_route(self, reference: str, operator: str, status: str) -> tuple[RequestRoute, str | None]:
        """Route ``reference`` to ``operator`` (key) with ``status`` (inserted or updated). Returns the route and
        its previous status (None when new)."""
        now = utcnow()
        current = [r for r in await self.routes(reference) if r.operator == operator]
        if current:
            await self.conn.execute(
                sa.update(request_route_t)
                .where(request_route_t.c.reference == reference, request_route_t.c.operator == operator)
                .values(status=status, updated_at=now))
            previous: str | None = current[0].status
        else:
            await self.conn.execute(sa.insert(request_route_t).values(
                reference=reference, operator=operator, status=status, created_at=now, updated_at=now))
            previous = None
        route = [r for r in await self.routes(reference) if r.operator == operator][0]
        return route, previous

    async def mark_staff_action(self, reference: str, **values: Any) -> None:
        """Note that staff acted on ``reference`` now (``staff_action_at``), with other columns (e.g.
        ``assigned_agent_id``)."""
        await self.conn.execute(
            sa.update(request_t).where(
                request_t.c.reference == reference).values(staff_action_at=utcnow(), **values))

    async def outbox_of_request(self, reference: str, channel: str | None = None) -> list[OutboxMessage]:
        """Messages queued about ``reference`` (on ``channel`` when given), oldest first: the console's view of
        what the mayor was sent, with each one's delivery status."""
        stmt = sa.select(outbox_t).where(outbox_t.c.reference == reference)
        if channel is not None:
            stmt = stmt.where(outbox_t.c.channel == channel)
        return [_outbox(r) for r in (await self.conn.execute(stmt.order_by(outbox_t.c.id))).all()]
