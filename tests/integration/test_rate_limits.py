"""Shared rate limits (bot/store/ratelimit.py) on SQLite and PostgreSQL: the budget per key and window, the sliding
estimate, two workers (two stores, two limiters) over one database sharing one budget, hashed keys, the purge, the
fallback when the database fails, and the migration (from empty, from the previous revision and back)."""

from __future__ import annotations

import asyncio
import logging

import pytest
import sqlalchemy as sa

from bot.store import db
from bot.store.ratelimit import DatabaseRateLimiter, MemoryRateLimiter, RateLimiter, hashed_key
from bot.store.repository import Store, StoreUnavailable
from bot.store.tables import rate_limit_t

#: This migration and the one before it (when another migration lands first, only these two names change).
THIS_REVISION, PREVIOUS_REVISION = "0009_rate_limits", "0008_working_days"
T0 = 1_800_000_000.0  # a multiple of 60: the start of a window
SECRET = b"test-secret-for-rate-limits"


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limiter(store: Store, clock: Clock, limit: int = 3, name: str = "chat-address") -> DatabaseRateLimiter:
    return DatabaseRateLimiter(store, name, limit, 60, secret=SECRET, clock=clock)


async def rows(store: Store) -> list[tuple[str, int, int, int]]:
    async with store.unit(readonly=True) as uow:
        result = await uow.conn.execute(sa.select(rate_limit_t.c.key, rate_limit_t.c.window_start,
                                                  rate_limit_t.c.hits, rate_limit_t.c.expires)
                                        .order_by(rate_limit_t.c.window_start, rate_limit_t.c.key))
        return [tuple(r) for r in result.all()]


async def test_the_limit_per_key_and_window(store: Store) -> None:
    clock = Clock(T0 + 5)
    lim = limiter(store, clock)
    assert isinstance(lim, RateLimiter)
    assert [await lim.allow("203.0.113.7") for _ in range(5)] == [True, True, True, False, False]
    assert await lim.allow("198.51.100.1")  # another key has its own budget
    # a refused hit is not counted: one window later (the previous one weighted 1 - 5/60) ...
    clock.now = T0 + 60 + 55
    assert await lim.allow("203.0.113.7") and await lim.allow("203.0.113.7")  # 3 × 5/60 = 0.25 of the old hits
    assert not await lim.allow("203.0.113.7")
    # two windows later, the whole budget again
    clock.now = T0 + 180
    assert [await lim.allow("203.0.113.7") for _ in range(4)] == [True, True, True, False]


async def test_the_sliding_estimate_weighs_the_previous_window(store: Store) -> None:
    clock = Clock(T0 + 50)
    lim = limiter(store, clock, limit=10)
    assert all([await lim.allow("k") for _ in range(10)])
    # 10 s into the next window: 10 × 50/60 = 8.33 of the old hits still count, so one more hit only
    clock.now = T0 + 70
    assert [await lim.allow("k") for _ in range(3)] == [True, False, False]
    # 30 s into it: 10 × 0.5 + 1 = 6, four more
    clock.now = T0 + 90
    assert [await lim.allow("k") for _ in range(5)] == [True, True, True, True, False]


async def test_two_workers_share_one_budget(database_url: str) -> None:
    """Two processes' worth: two stores (two engines, two pools) and two limiters on one database."""
    first = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    second = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        clock = Clock(T0 + 1)
        a, b = limiter(first, clock, limit=10), limiter(second, clock, limit=10)
        answers = [await (a if i % 2 else b).allow("203.0.113.7") for i in range(16)]
        assert answers.count(True) == 10 and answers[:10] == [True] * 10
        assert not await a.allow("203.0.113.7") and not await b.allow("203.0.113.7")
        # at once, from both workers: never more than the limit
        a2, b2 = limiter(first, clock, limit=7, name="burst"), limiter(second, clock, limit=7, name="burst")
        results = await asyncio.gather(*((a2 if i % 2 else b2).allow("198.51.100.9") for i in range(20)))
        assert results.count(True) == 7
        # the same budget survives a restart: a new limiter on a new store
        third = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
        try:
            assert not await limiter(third, clock, limit=10).allow("203.0.113.7")
        finally:
            await third.close()
    finally:
        await first.close()
        await second.close()


async def test_in_memory_limiters_do_not_share() -> None:
    """What the shared limiter fixes: two processes with in-memory limiters each grant the whole budget."""
    clock = Clock(T0)
    a, b = MemoryRateLimiter(10, 60.0, clock=clock), MemoryRateLimiter(10, 60.0, clock=clock)
    answers = [await (a if i % 2 else b).allow("203.0.113.7") for i in range(16)]
    assert answers.count(True) == 16


async def test_keys_are_hashed_and_old_windows_purged(store: Store) -> None:
    clock = Clock(T0 + 1)
    lim = limiter(store, clock)
    await lim.allow("203.0.113.7")
    await limiter(store, clock, name="chat-session").allow("w0123456789abcdef")
    stored = await rows(store)
    assert len(stored) == 2
    for key, start, hits, expires in stored:
        assert "203.0.113.7" not in key and "0123456789abcdef" not in key
        assert key.split(":")[0] in ("chat-address", "chat-session") and len(key.split(":")[1]) == 32
        assert (start, hits, expires) == (T0, 1, T0 + 120)
    assert hashed_key("chat-address", "203.0.113.7", SECRET) in [r[0] for r in stored]
    assert hashed_key("chat-address", "203.0.113.7", b"another secret") not in [r[0] for r in stored]
    # a minute later the rows are still needed (previous window); two minutes later they go at the next purge
    clock.now = T0 + 61
    await lim.allow("198.51.100.1")
    assert len(await rows(store)) == 3
    clock.now = T0 + 200
    await lim.allow("198.51.100.1")
    assert [r[1] for r in await rows(store)] == [T0 + 180]


async def test_the_retention_purge_deletes_expired_windows(store: Store) -> None:
    from datetime import datetime, timezone

    from bot.store.retention import purge

    clock = Clock(T0 + 1)
    await limiter(store, clock).allow("203.0.113.7")
    clock.now = T0 + 61
    await limiter(store, clock).allow("203.0.113.7")
    assert len(await rows(store)) == 2
    await purge(store, now=datetime.fromtimestamp(T0 + 125, timezone.utc))  # the first window expired at T0 + 120
    assert [r[1] for r in await rows(store)] == [T0 + 60]


async def test_a_failing_database_falls_back_to_memory(store: Store, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock(T0 + 1)
    lim = limiter(store, clock)

    def broken(*args: object, **kwargs: object) -> object:
        raise StoreUnavailable("database unavailable: OSError")

    monkeypatch.setattr(store, "unit", broken)
    monkeypatch.setattr(store, "take_rate_slot", broken)
    caplog.set_level(logging.INFO, logger="bot.store.ratelimit")
    answers = [await lim.allow("203.0.113.7") for _ in range(5)]
    assert answers == [True, True, True, False, False]  # still limited, in this process
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "203.0.113.7" not in warnings[0].getMessage()
    monkeypatch.undo()
    assert await lim.allow("198.51.100.1")  # the database again
    assert any("answers again" in r.getMessage() for r in caplog.records)


# --- the migration (rate_limit) ----------------------------------------------------------------------------------------------------
async def _tables(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_the_rate_limit_migration_on_an_empty_database(database_url: str) -> None:
    store = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        assert "rate_limit" in await _tables(store.engine)
        assert await db.current_revision(store.engine) == db.HEAD_REVISION  # later migrations chain after it
    finally:
        await store.close()


async def test_the_rate_limit_migration_from_the_previous_revision_and_back(database_url: str) -> None:
    from alembic import command

    engine = db.make_engine(database_url)
    try:
        await db.upgrade(engine, PREVIOUS_REVISION)
        assert "rate_limit" not in await _tables(engine) and "web_message" in await _tables(engine)
        await db.upgrade(engine, THIS_REVISION)  # (not head: later migrations may follow this one)
        assert "rate_limit" in await _tables(engine)
        assert await db.current_revision(engine) == THIS_REVISION  # later migrations chain after it
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(db.alembic_config(c), PREVIOUS_REVISION))
        assert "rate_limit" not in await _tables(engine)
        assert await db.current_revision(engine) == PREVIOUS_REVISION
        await db.upgrade(engine)
        assert await db.current_revision(engine) == db.HEAD_REVISION
    finally:
        await engine.dispose()


async def test_an_unreachable_database_does_not_fail_the_request(caplog: pytest.LogCaptureFixture) -> None:
    """A real connection refused (nothing listens on port 9): allow() answers from memory, it never raises."""
    store = Store(db.make_engine("postgresql://nobody@127.0.0.1:9/none", pool_timeout=2))
    try:
        lim = limiter(store, Clock(T0 + 1), limit=2)
        assert [await lim.allow("203.0.113.7") for _ in range(3)] == [True, True, False]
        assert any("database unavailable" in r.getMessage() for r in caplog.records)
    finally:
        await store.close()
