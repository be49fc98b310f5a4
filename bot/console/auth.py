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


def start_session(request: Request, agent: Agent) -> None:
    """A fresh session for ``agent`` (nothing of the anonymous session is kept: no fixation), new CSRF token."""
    request.session.clear()
    request.session["agent_id"] = agent.id
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.agent = agent


def safe_next(value: str | None) -> str:
    """Where to go after login: a local path under /console only (never another site)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/"
