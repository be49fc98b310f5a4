"""Shared rate limits (bot/store/ratelimit.py): one atomic upsert per hit (mixed into
:class:`bot.store.repository.UnitOfWork`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.store.tables import rate_limit_t
from bot.store.repo_common import UnitBase


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


class RatesRepo(UnitBase):
    """Sliding-window rate-limit slots shared across workers."""

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
