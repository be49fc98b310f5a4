"""Staff console sessions held on the server (issue 25).

The console's cookie (Starlette's signed ``guichet_session``) carries a random session id (``sid``, 256 bits) and
the CSRF token; the session itself is a row of ``console_session`` keyed by the id's SHA-256 (a database leak gives
no session away). Every request reads the row, so a revocation holds at once in every worker:

* **logout** revokes this session (``POST /console/deconnexion``); a cookie captured before it is useless after;
* **« Se déconnecter partout »** revokes every session of the agent (``POST /console/deconnexion/partout``);
* **deactivation** of the agent revokes all their sessions (agents page; and any request that finds the agent
  inactive);
* an **absolute lifetime** (``GUICHET_CONSOLE_SESSION_HOURS``, default 12): ``expires_at`` is set at login and
  activity never moves it, so a stolen cookie does not outlive it however often it is used.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from bot.store.tables import agent_t, console_session_t

#: Default absolute lifetime of a console session.
DEFAULT_LIFETIME = timedelta(hours=12)
#: Expired or revoked rows are deleted this long after they stop being valid (housekeeping at each login).
KEEP_AFTER_END = timedelta(days=7)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def id_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


def lifetime_of(settings: Any) -> timedelta:
    hours = getattr(settings, "console_session_hours", None)
    return timedelta(hours=float(hours)) if hours else DEFAULT_LIFETIME


async def create(conn: Any, agent_id: int, lifetime: timedelta, now: datetime | None = None) -> str:
    """A new session for ``agent_id``; returns the id to put in the cookie (only its hash is stored)."""
    now = now or utcnow()
    sid = secrets.token_urlsafe(32)
    await conn.execute(sa.insert(console_session_t).values(
        id_hash=id_hash(sid), agent_id=int(agent_id), created_at=now, expires_at=now + lifetime, last_seen_at=now))
    await conn.execute(sa.delete(console_session_t).where(console_session_t.c.expires_at < now - KEEP_AFTER_END))
    return sid


async def agent_row(conn: Any, sid: str | None, now: datetime | None = None) -> Any:
    """The agent row of a live session (not revoked, not expired), or None. The agent may be inactive: the caller
    refuses it (and revokes its sessions)."""
    if not isinstance(sid, str) or not sid or len(sid) > 100:
        return None
    now = now or utcnow()
    stmt = (sa.select(agent_t).join(console_session_t, console_session_t.c.agent_id == agent_t.c.id)
            .where(console_session_t.c.id_hash == id_hash(sid), console_session_t.c.revoked_at.is_(None),
                   console_session_t.c.expires_at > now))
    return (await conn.execute(stmt)).first()


async def revoke(conn: Any, sid: str | None, why: str = "logout", now: datetime | None = None) -> int:
    if not isinstance(sid, str) or not sid or len(sid) > 100:
        return 0
    result = await conn.execute(
        sa.update(console_session_t)
        .where(console_session_t.c.id_hash == id_hash(sid), console_session_t.c.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_why=why))
    return int(result.rowcount or 0)


async def revoke_agent(conn: Any, agent_id: int, why: str, now: datetime | None = None) -> int:
    """Revoke every live session of ``agent_id`` (« partout », deactivation). Returns how many."""
    now = now or utcnow()
    result = await conn.execute(
        sa.update(console_session_t)
        .where(console_session_t.c.agent_id == int(agent_id), console_session_t.c.revoked_at.is_(None),
               console_session_t.c.expires_at > now)
        .values(revoked_at=now, revoked_why=why))
    return int(result.rowcount or 0)


async def live_count(conn: Any, agent_id: int, now: datetime | None = None) -> int:
    now = now or utcnow()
    stmt = sa.select(sa.func.count()).select_from(console_session_t).where(
        console_session_t.c.agent_id == int(agent_id), console_session_t.c.revoked_at.is_(None),
        console_session_t.c.expires_at > now)
    return int((await conn.execute(stmt)).scalar_one())
