"""What the store's repositories share: the errors, the row → record conversions, the advisory-lock key and the
dialect helpers of a unit of work (:class:`UnitBase`, the base of every ``repo_*`` mixin and of
:class:`bot.store.repository.UnitOfWork`). Imports nothing of ``repository.py`` (which re-exports these names)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timezone
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.store.models import ConversationState, EventRecord, OutboxMessage, RequestRecord

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

#: Events that are a staff action on a request (the first one is its "first contact"; issue 12b, dashboard).
FIRST_ACTION_KINDS = frozenset({"status", "question", "relay_to_mayor"})


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


def _lock_key(*parts: str) -> int:
    """A signed 64-bit advisory lock key for ``parts`` (the chat locks use the same hashing of channel, chat)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class UnitBase:
    """The state and dialect helpers every repository mixin uses (set by ``UnitOfWork.__init__``)."""

    conn: "AsyncConnection"
    store: Any
    _pg: bool

    # --- helpers --------------------------------------------------------------------------------------------------
    def _insert(self, table: sa.Table) -> Any:
        return pg_insert(table) if self._pg else sqlite_insert(table)

    def _lock(self, stmt: Any) -> Any:
        return stmt.with_for_update() if self._pg else stmt
