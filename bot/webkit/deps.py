"""Request dependencies: the services (``guichet(request)``), the logged-in agent, and role checks.

Roles and what they may do are enforced here, on the server, for every page and action (hiding a button is never
the check). Use ``Depends(require(PERM))`` on a route: an anonymous visitor is sent to the login page (303) or gets
401 on an htmx call; a logged-in agent without the permission gets 403.
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi import Depends, HTTPException, Request

from bot.store.models import ROLE_ADMIN, ROLE_COMITE, ROLE_OPERATEUR, ROLE_PREFECTURE, Agent

# --- permissions ------------------------------------------------------------------------------------------------------
#: See every request of the département (inbox, request pages).
READ_ALL = "requests.read_all"
#: See only the requests routed to one's operator.
READ_ROUTED = "requests.read_routed"
#: Act on any request: take in charge, assign, route, ask the mayor, note, close.
ACT = "requests.act"
#: Act on a request routed to one's operator: its route status, notes, questions to the mayor.
ACT_ROUTED = "requests.act_routed"
#: Read the comité local's dashboard, report and exports.
DASHBOARD = "dashboard.read"
#: Manage agents and settings.
ADMIN = "agents.manage"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ROLE_PREFECTURE: frozenset({READ_ALL, ACT, DASHBOARD}),
    ROLE_OPERATEUR: frozenset({READ_ROUTED, ACT_ROUTED}),
    ROLE_COMITE: frozenset({DASHBOARD}),
    ROLE_ADMIN: frozenset({READ_ALL, ACT, DASHBOARD, ADMIN}),
}


def permissions_of(agent: Agent | None) -> frozenset[str]:
    if agent is None or not agent.active:
        return frozenset()
    return ROLE_PERMISSIONS.get(agent.role, frozenset())


def can(agent: Agent | None, perm: str) -> bool:
    return perm in permissions_of(agent)


class LoginRequired(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=401, detail="login")


class Forbidden(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=403, detail="forbidden")


def guichet(request: Request) -> Any:
    """The composition root's services (``bot.app.App``: ``settings``, ``store``, ``kb``, ``engine``, ``staff``)."""
    return request.app.state.guichet


async def current_agent(request: Request) -> Agent | None:
    """The agent of this session (issue 25: the session is a row in the database, re-read on every request with its
    agent, so a logout, « partout », a deactivation or a changed role takes effect at once, in every worker); None
    when nobody is logged in."""
    if hasattr(request.state, "agent"):
        return request.state.agent
    from bot.webkit import sessions

    agent: Agent | None = None
    sid = request.session.get("sid")
    if isinstance(sid, str):
        store = guichet(request).store
        async with store.unit(readonly=True) as uow:
            row = await sessions.agent_row(uow.conn, sid)
        agent = Agent.model_validate(dict(row._mapping)) if row is not None else None
        if agent is not None and not agent.active:
            async with store.unit() as uow:  # a deactivated agent's sessions end for good (reactivation revives none)
                await sessions.revoke_agent(uow.conn, agent.id, "deactivated")
            agent = None
        if agent is None:
            request.session.pop("sid", None)
    request.session.pop("agent_id", None)  # a cookie of the former kind (agent id only) logs nobody in
    request.state.agent = agent
    return agent


def require(*perms: str) -> Callable[..., Any]:
    """Dependency: the logged-in agent, who must hold at least one of ``perms`` (none given: any agent)."""

    async def _dep(agent: Agent | None = Depends(current_agent)) -> Agent:
        if agent is None:
            raise LoginRequired()
        if perms and not any(can(agent, p) for p in perms):
            raise Forbidden()
        return agent

    return _dep
