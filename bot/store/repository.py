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
import uuid
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store import db, workdays
from bot.store.workdays import working_day_index, working_days_between  # noqa: F401 - one rule, imported from here too
from bot.store.models import (
    OUTBOX_PENDING,
    ConversationState,
    EventRecord,
    OutboxMessage,
    RequestRecord,
)
from bot.store.tables import (
    outbox_t,
    utcnow,
)

# The repositories, one file per aggregate, mixed into UnitOfWork below; what they share is in repo_common. These
# modules never import this one. Every name other modules import from here stays importable from here.
from bot.store.repo_common import (  # re-exported: bot.store.repository is where callers import them from
    FIRST_ACTION_KINDS,
    MAX_ERROR_CHARS,
    ConcurrentUpdate,
    IllegalTransition,
    RequestNotFound,
    StoreError,
    StoreUnavailable,
    UnitBase,
    _conversation,
    _event,
    _lock_key,
    _outbox,
    _request,
    as_utc_datetime,
)
from bot.store.repo_agents import AgentsRepo
from bot.store.repo_delivery import DeliveryRepo
from bot.store.repo_people import PeopleRepo
from bot.store.repo_rates import RatesRepo
from bot.store.repo_requests import RequestsRepo

__all__ = [
    "FIRST_ACTION_KINDS", "MAX_ERROR_CHARS", "ConcurrentUpdate", "IllegalTransition", "RequestNotFound",
    "Store", "StoreError", "StoreUnavailable", "UnitOfWork", "_conversation", "_event", "_lock_key", "_outbox",
    "_request", "as_utc_datetime", "working_day_index", "working_days_between",
]

log = logging.getLogger(__name__)

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


class UnitOfWork(DeliveryRepo, PeopleRepo, RequestsRepo, AgentsRepo, RatesRepo, UnitBase):
    """Repository operations inside one transaction (see :meth:`Store.unit`): handled updates, inbox and outbox
    (:mod:`bot.store.repo_delivery`), conversations and people (:mod:`~bot.store.repo_people`), requests, events and
    routes (:mod:`~bot.store.repo_requests`), agents and logins (:mod:`~bot.store.repo_agents`), rate limits
    (:mod:`~bot.store.repo_rates`); retention is :mod:`bot.store.retention`."""

    def __init__(self, conn: AsyncConnection, store: Store) -> None:
        self.conn = conn
        self.store = store
        self._pg = store.dialect == "postgresql"
        self._deleted_conversations: set[tuple[str, str]] = set()
