"""Agents and settings (admin only): ``/console/agents``.

Add or update an agent (the same checks as ``guichet agents add``), deactivate or reactivate one (not oneself),
make a one-time login link (shown once, on the page, to hand over). Every change is an event (``agent_saved``,
``agent_login_link``), so the audit trail says who did what. Settings are shown read-only: they come from the
``GUICHET_*`` environment.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.auth import LINK_TTL, create_login_link
from bot.console.cli import check_agent
from bot.store.models import AGENT_ROLES, Agent
from bot.texts import console as T
from bot.texts import staff as TS
from bot.webkit import sessions
from bot.webkit.deps import ADMIN, guichet, require
from bot.webkit.params import MAX_ID
from bot.webkit.templating import flash, render

router = APIRouter(prefix="/console/agents")


@router.get("")
async def agents_page(request: Request, agent: Agent = Depends(require(ADMIN))) -> Response:
    g = guichet(request)
    async with g.store.unit(readonly=True) as uow:
        agents = await uow.list_agents()
    s = g.settings
    settings = [
        (T.SET_PUBLIC_URL, s.public_url),
        (T.SET_PROCONNECT, s.proconnect_issuer if s.proconnect_issuer and s.proconnect_client_id else T.SET_NO),
        (T.SET_RESPONSE_DAYS, str(s.response_days) if s.response_days is not None else T.SET_RESPONSE_DAYS_UNSET),
        (T.SET_DEPARTEMENT, s.departement),
        (T.SET_STAFF_CHAT, T.SET_YES if s.staff_chat_id else T.SET_NO),
    ]
    link = request.session.pop("agent_link", None)
    return render(request, "console/agents.html", {
        "nav": "agents", "agents": agents, "roles": AGENT_ROLES, "operators": TS.OPERATORS,
        "settings": settings, "link": link, "ttl_minutes": int(LINK_TTL.total_seconds() // 60),
    })


@router.post("")
async def save_agent(request: Request, email: str = Form(""), name: str = Form(""), role: str = Form(""),
                     operator: str = Form(""), agent: Agent = Depends(require(ADMIN))) -> Response:
    error, fields = check_agent(email[:400], name[:400], role[:40], operator[:40] or None)
    if error:
        flash(request, error, "error")
        return RedirectResponse("/console/agents", status_code=303)
    async with guichet(request).store.unit() as uow:
        saved, created = await uow.save_agent(**fields)
        await uow.log_event(None, f"console:{agent.id}", "agent_saved",
                            {"agent_id": saved.id, "role": saved.role, "operator": saved.operator,
                             "created": created, "by": agent.name})
    text = T.CLI_AGENT_CREATED if created else T.CLI_AGENT_UPDATED
    flash(request, text.format(name=saved.name, email=saved.email, role=T.ROLE_LABELS[saved.role]))
    return RedirectResponse("/console/agents", status_code=303)


async def _target(request: Request, agent_id: int) -> Agent:
    async with guichet(request).store.unit(readonly=True) as uow:
        target = await uow.get_agent(agent_id)
    if target is None:
        raise HTTPException(status_code=404)
    return target


@router.post("/{agent_id}/activation")
async def toggle(request: Request, agent_id: int = Path(ge=1, le=MAX_ID), active: str = Form(""),
                 agent: Agent = Depends(require(ADMIN))) -> Response:
    target = await _target(request, agent_id)
    want = active == "1"
    if target.id == agent.id and not want:
        flash(request, T.CANNOT_DEACTIVATE_SELF, "error")
        return RedirectResponse("/console/agents", status_code=303)
    async with guichet(request).store.unit() as uow:
        await uow.save_agent(target.email, target.name, target.role, target.operator, active=want)
        if not want:  # issue 25: their sessions end now, in every worker (a reactivation revives none)
            await sessions.revoke_agent(uow.conn, target.id, "deactivated")
        await uow.log_event(None, f"console:{agent.id}", "agent_saved",
                            {"agent_id": target.id, "active": want, "by": agent.name})
    flash(request, (T.AGENT_REACTIVATED if want else T.AGENT_DEACTIVATED).format(name=target.name))
    return RedirectResponse("/console/agents", status_code=303)


@router.post("/{agent_id}/lien")
async def login_link(request: Request, agent_id: int = Path(ge=1, le=MAX_ID),
                     agent: Agent = Depends(require(ADMIN))) -> Response:
    target = await _target(request, agent_id)
    if not target.active:
        flash(request, T.CLI_INACTIVE_AGENT.format(email=target.email), "error")
        return RedirectResponse("/console/agents", status_code=303)
    g = guichet(request)
    url = await create_login_link(g.store, g.settings.public_url, target)
    async with g.store.unit() as uow:
        await uow.log_event(None, f"console:{agent.id}", "agent_login_link", {"agent_id": target.id, "by": agent.name})
    request.session["agent_link"] = {"name": target.name, "url": url}
    return RedirectResponse("/console/agents", status_code=303)
