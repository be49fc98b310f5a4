"""Login: one-time links (``guichet agents login-link``) and the session of a logged-in agent.

A link is ``{GUICHET_PUBLIC_URL}/console/connexion/lien/{token}``: 256 random bits, only its SHA-256 stored, valid
15 minutes, used once (a conditional update, so two concurrent uses cannot both succeed). Opening it shows a
confirmation button (a POST): mail scanners and link previews that fetch the URL do not burn it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from fastapi import Request

from bot.store.models import Agent

LINK_TTL = timedelta(minutes=15)
LINK_PATH = "/console/connexion/lien/"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


async def create_login_link(store: Any, public_url: str, agent: Agent) -> str:
    token = secrets.token_urlsafe(32)
    async with store.unit() as uow:
        await uow.create_login_token(agent.id, token_hash(token), LINK_TTL)
    return f"{public_url.rstrip('/')}{LINK_PATH}{token}"


async def use_login_link(store: Any, token: str) -> Agent | None:
    """The agent the link logs in, once; None if it is unknown, used, expired or the agent inactive."""
    if not token or len(token) > 200:
        return None
    async with store.unit() as uow:
        agent = await uow.consume_login_token(token_hash(token))
        if agent is not None:
            await uow.agent_logged_in(agent.id)
    return agent


async def link_agent_id(store: Any, token: str) -> int | None:
    """The agent a link was made for, used or not, expired or not (None: no such link). For the login throttle:
    failures with an agent's links count against that agent only."""
    if not token or len(token) > 200:
        return None
    import sqlalchemy as sa

    from bot.store.tables import login_token_t

    async with store.unit(readonly=True) as uow:
        row = (await uow.conn.execute(sa.select(login_token_t.c.agent_id)
                                      .where(login_token_t.c.token_hash == token_hash(token)))).first()
    return int(row.agent_id) if row else None


async def start_session(request: Request, agent: Agent) -> None:
    """A fresh session for ``agent`` (nothing of the anonymous session is kept: no fixation), held on the server
    (:mod:`bot.webkit.sessions`): a new id in the cookie, a new CSRF token; the browser's previous session, if any, is
    revoked."""
    from bot.webkit import sessions
    from bot.webkit.deps import guichet

    g = guichet(request)
    previous = request.session.get("sid")
    async with g.store.unit() as uow:
        if isinstance(previous, str):
            await sessions.revoke(uow.conn, previous, "relogin")
        sid = await sessions.create(uow.conn, agent.id, sessions.lifetime_of(g.settings))
    request.session.clear()
    request.session["sid"] = sid
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.agent = agent


async def end_session(request: Request, everywhere: bool = False) -> int:
    """Log out: this session revoked on the server (``everywhere``: every session of its agent), the cookie
    emptied. Returns how many sessions ended."""
    from bot.webkit import sessions
    from bot.webkit.deps import current_agent, guichet

    agent = await current_agent(request)
    sid = request.session.get("sid")
    ended = 0
    async with guichet(request).store.unit() as uow:
        if everywhere and agent is not None:
            ended = await sessions.revoke_agent(uow.conn, agent.id, "everywhere")
        ended += await sessions.revoke(uow.conn, sid, "logout")
    request.session.clear()
    request.state.agent = None
    return ended


def safe_next(value: str | None) -> str:
    """Where to go after login: a local path under /console only (never another site)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/"
