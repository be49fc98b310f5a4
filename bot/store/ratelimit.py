"""Rate limits: ``await limiter.allow(key) -> bool``, in memory (one process) or in the database (every worker).

* :class:`MemoryRateLimiter` — an exact sliding window per key, in this process's memory: with N workers a key gets N
  times the limit, and a restart forgets everything. For tests and for running without a shared database.
* :class:`DatabaseRateLimiter` — one budget for all the workers of a database, kept across restarts, in table
  ``rate_limit`` (migration ``0009_rate_limits``): one row per key and fixed window (``window`` seconds, aligned on
  the epoch), incremented by one atomic upsert (``INSERT … SELECT … WHERE room >= 1 ON CONFLICT (key, window_start)
  DO UPDATE SET hits = hits + 1 WHERE hits + 1 <= room RETURNING hits``, ``room`` being the limit less the previous
  window's weighted hits: SQLite ≥ 3.35 and PostgreSQL; see ``UnitOfWork.take_rate_slot``). The sliding window is thus
  approximated by the current window's hits plus the previous window's weighted by the share of it still inside the
  last ``window`` seconds (Cloudflare's estimate; exact when hits are spread evenly, and never more than the limit in
  any one fixed window).
  A refused hit is not counted (as in memory): someone who keeps trying is let in again once the window has passed.

  Keys are never stored as given: ``"<name>:" + HMAC-SHA256(secret, name, key)`` (32 hex digits), so the table
  holds no client address nor session id. Rows older than two windows are useless; each limiter deletes them,
  at most once per ``purge_every`` seconds (one indexed ``DELETE``, after an ``allow``).

  A database error never fails the request: the limiter falls back to its own :class:`MemoryRateLimiter` (the same
  limit, per process) and logs a warning at most once a minute, until the database answers again.

Clocks: wall-clock seconds (``time.time``) for the database one, so that workers and restarts agree on the windows;
``time.monotonic`` for the in-memory one. Both can be given (tests).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import deque
from typing import Any, Callable, Protocol, runtime_checkable

log = logging.getLogger(__name__)

#: Longest kept name (the ``key`` column holds ``name:`` and 32 hex digits in 80 characters).
MAX_NAME = 40
#: A failing database is logged at most this often (seconds) per limiter.
WARN_EVERY = 60.0


@runtime_checkable
class RateLimiter(Protocol):
    """Anything with ``async allow(key) -> bool``: True counts one hit of ``key``, False means over the limit."""

    limit: int
    window: float

    async def allow(self, key: str) -> bool: ...


class MemoryRateLimiter:
    """Sliding window per key, in memory (one process)."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> bool:
        now = self.clock()
        q = self.hits.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        if len(q) >= self.limit:
            return False
        q.append(now)
        if len(self.hits) > 100_000:  # forget idle keys (bounded memory under a scan)
            for k in [k for k, v in self.hits.items() if not v or v[-1] <= now - self.window]:
                del self.hits[k]
        return True

    async def allow(self, key: str) -> bool:
        return self.hit(key)


def hashed_key(name: str, key: str, secret: bytes | None = None) -> str:
    """What the table stores for ``key`` of the limit ``name``: ``name:`` and 32 hex digits of an HMAC-SHA256 keyed
    with ``secret`` (a plain SHA-256 without one: then a short key such as an IPv4 address could be found again by
    trying them all, so give the app's secret)."""
    data = f"{name}\x1f{key}".encode("utf-8", "replace")
    digest = hmac.new(secret, data, hashlib.sha256).hexdigest() if secret else hashlib.sha256(data).hexdigest()
    return f"{name[:MAX_NAME]}:{digest[:32]}"


class DatabaseRateLimiter:
    """``limit`` hits per ``window`` seconds per key, shared by every process on ``store``'s database (see the module
    doc). ``name`` tells this limit's keys apart from other limits' in the shared table."""

    def __init__(self, store: Any, name: str, limit: int, window: int = 60, *, secret: bytes | None = None,
                 clock: Callable[[], float] = time.time, purge_every: float = 60.0,
                 fallback: MemoryRateLimiter | None = None) -> None:
        if window < 1:
            raise ValueError("window must be at least one second")
        self.store = store
        self.name = name
        self.limit = int(limit)
        self.window = int(window)
        self.secret = secret
        self.clock = clock
        self.purge_every = purge_every
        self.fallback = fallback or MemoryRateLimiter(self.limit, float(self.window))
        self._next_purge = 0.0
        self._warned_at: float | None = None

    async def allow(self, key: str) -> bool:
        now = self.clock()
        start = int(now // self.window) * self.window
        weight = 1.0 - (now - start) / self.window
        try:
            allowed = await self.store.take_rate_slot(hashed_key(self.name, key, self.secret), start, self.window,
                                                      weight, self.limit)
        except Exception as exc:  # noqa: BLE001 - a limiter must never fail the request: count here instead
            self._warn(now, exc)
            return self.fallback.hit(key)
        if self._warned_at is not None:
            self._warned_at = None
            log.info("rate limit %s: the database answers again", self.name)
        if now >= self._next_purge:
            self._next_purge = now + self.purge_every
            await self.purge(now)
        return allowed

    async def purge(self, now: float | None = None) -> int:
        """Delete the expired rows of every limit (any limiter may do it for all). Never raises."""
        try:
            async with self.store.unit() as uow:
                return await uow.purge_rate_limits(int(self.clock() if now is None else now))
        except Exception as exc:  # noqa: BLE001 - housekeeping only
            log.warning("rate limit %s: purge failed: %s", self.name, type(exc).__name__)
            return 0

    def _warn(self, now: float, exc: BaseException) -> None:
        if self._warned_at is None or now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning("rate limit %s: database unavailable (%s); counting in this process meanwhile",
                        self.name, type(exc).__name__)
