"""Console login throttling (issue 25): failed attempts only, by (client address, agent), with a ceiling per address
for attempts that name no known agent and a small global ceiling for those.

Why this shape: a préfecture's agents share one outgoing address, so counting every attempt per address let one
person's mistakes (or anybody's garbage) lock everyone out, and successful logins used up the budget. Now:

* a **successful login is never counted**;
* a failure with a link (or a ProConnect account) that belongs to an agent counts against **(address, that agent)**
  only: ``PER_AGENT`` failures in ``WINDOW`` refuse that agent's further attempts from that address, nobody else's;
* a failure naming no agent (an unknown link, a ProConnect account that is not an agent, a provider error) counts
  against **(address, nobody)** (``PER_ADDRESS``) and a **global** budget of such failures (``GLOBAL``, every
  address): guessing is bounded even from many addresses, and a valid link is never refused by it;
* a refusal is a 429 page saying in French how long to wait (``Retry-After`` too).

The counts live in ``login_attempt`` (every worker sees them), keyed by an HMAC of the address and the agent id
(:func:`bot.webkit.security.address_key`): the table holds no address.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import HTMLResponse

from bot.store.tables import login_attempt_t, utcnow
from bot.webkit.security import address_key

WINDOW = timedelta(minutes=15)
PER_AGENT = 5
PER_ADDRESS = 20
GLOBAL = 200
NOBODY = "?"


def _keys(request: Request, scope: str, agent_key: str | None) -> list[tuple[str, int]]:
    """(stored key, limit) of every budget this attempt draws on."""
    pair = address_key(request, scope, f"{agent_key or NOBODY}")
    if agent_key:
        return [(pair, PER_AGENT)]
    return [(pair, PER_ADDRESS), (f"{scope}-global:{NOBODY}", GLOBAL)]


async def _wait_for(conn: Any, key: str, limit: int, now: Any) -> timedelta | None:
    since = now - WINDOW
    rows = (await conn.execute(
        sa.select(login_attempt_t.c.at).where(login_attempt_t.c.key == key, login_attempt_t.c.at >= since)
        .order_by(login_attempt_t.c.at.desc()).limit(limit))).scalars().all()
    if len(rows) < limit:
        return None
    # the limit-th most recent failure leaves the window first: then one more attempt is allowed
    return max(timedelta(seconds=1), rows[-1] + WINDOW - now)


async def login_wait(request: Request, store: Any, agent_key: str | None, scope: str = "login") -> timedelta | None:
    """None when this attempt may go ahead; else how long to wait."""
    now = utcnow()
    waits = []
    async with store.unit(readonly=True) as uow:
        for key, limit in _keys(request, scope, agent_key):
            wait = await _wait_for(uow.conn, key, limit, now)
            if wait is not None:
                waits.append(wait)
    return max(waits) if waits else None


async def login_failed(request: Request, store: Any, agent_key: str | None, scope: str = "login") -> None:
    """Count one failed attempt (and prune what no window reads any more)."""
    now = utcnow()
    async with store.unit() as uow:
        for key, _ in _keys(request, scope, agent_key):
            await uow.conn.execute(sa.insert(login_attempt_t).values(key=key[:200], at=now))
        await uow.conn.execute(sa.delete(login_attempt_t).where(login_attempt_t.c.at < now - WINDOW * 4))


def minutes(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 60))


def too_many(request: Request, wait: timedelta) -> HTMLResponse:
    """The 429 page: how long to wait, in French."""
    from bot.texts import console as T
    from bot.webkit.templating import render

    if not hasattr(request.state, "agent"):
        request.state.agent = None
    n = minutes(wait)
    text = T.LOGIN_WAIT.format(minutes=n, s="s" if n > 1 else "")
    response = render(request, "error.html", {"title": T.LOGIN_TOO_MANY_TITLE, "text": text}, status_code=429)
    response.headers["Retry-After"] = str(max(1, math.ceil(wait.total_seconds())))
    return response
