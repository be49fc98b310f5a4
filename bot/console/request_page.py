"""A request's page (``/console/demandes/{reference}``) and its actions (POST, one transaction each, through
:class:`bot.staff.service.StaffService`, audited; the page comes back with the result: post/redirect/get).

Who may do what (checked here, on the server, for every action):

============================  ==========================  ===========================================
action                        préfecture agent, admin     operator agent (request routed to their operator)
============================  ==========================  ===========================================
see the page                  every request               yes
prendre / assigner / orienter yes                         no
routes/{operator} (status)    yes                         their own operator's route only
question / note               yes                         yes
clore                         yes                         no
============================  ==========================  ===========================================

Each form carries an ``action_id`` (random, made when the page is drawn): submitting the same form twice does the
action once (``update_key`` ``web:{action_id}``). The same action from the console and from the Telegram group
never doubles either: the staff service compares with the request's state.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.inbox import labels_of
from bot.console.queries import agent_may_see
from bot.console.labels import local_time
from bot.console.record import agent_choices, load_request_view
from bot.staff.service import StaffResult
from bot.store.models import CLOSED_STATUSES, ROUTE_STATUSES, Agent, RequestRecord
from bot.texts import console as T
from bot.texts import staff as TS
from bot.webkit.deps import ACT, ACT_ROUTED, READ_ALL, READ_ROUTED, Forbidden, can, guichet, require
from bot.webkit.templating import flash, render

router = APIRouter(prefix="/console/demandes")



async def visible_request(request: Request, reference: str, agent: Agent) -> RequestRecord:
    """The request, if ``agent`` may see it: 404 when unknown, 403 when outside their scope."""
    store = guichet(request).store
    async with store.unit(readonly=True) as uow:
        record = await uow.get_request(reference)
        if record is None:
            raise HTTPException(status_code=404)
        if not await agent_may_see(uow, agent, record.reference):
            raise Forbidden()
    return record


@router.get("/{reference}")
async def request_page(request: Request, reference: str,
                       agent: Agent = Depends(require(READ_ALL, READ_ROUTED))) -> Response:
    record = await visible_request(request, reference, agent)
    g = guichet(request)
    labels = labels_of(request)
    async with g.store.unit(readonly=True) as uow:
        view = await load_request_view(uow, record, labels, g.kb)
        agents = agent_choices(await uow.list_agents(active_only=True))
    full = can(agent, ACT)
    routed = can(agent, ACT_ROUTED)
    return render(request, "console/request.html", {
        "nav": "inbox", "v": view, "r": view.record, "labels": labels, "agents": agents,
        "operators": TS.OPERATORS, "route_statuses": ROUTE_STATUSES,
        "may_act": full, "may_note": full or routed,
        "may_route_status": lambda op: full or (routed and op == agent.operator),
        "closed": record.status in CLOSED_STATUSES,
        "action_id": lambda: secrets.token_urlsafe(16),
        "fmt": local_time,
    })


# --- actions ----------------------------------------------------------------------------------------------------------
def _key(action_id: str, suffix: str = "") -> str | None:
    action_id = (action_id or "").strip()
    if not action_id or len(action_id) > 64:
        return None
    return f"web:{action_id}{suffix}"


def _actor(agent: Agent) -> tuple[str, str]:
    return f"console:{agent.id}", agent.name


def _done(request: Request, record: RequestRecord, results: list[StaffResult]) -> Response:
    for res in results:
        flash(request, res.message, "success" if res.ok and res.code == "ok" else "info" if res.ok else "error")
    return RedirectResponse(f"/console/demandes/{record.reference}", status_code=303)


async def _acting(request: Request, reference: str, agent: Agent, full_only: bool) -> RequestRecord:
    record = await visible_request(request, reference, agent)
    if full_only and not can(agent, ACT):
        raise Forbidden()
    if not (can(agent, ACT) or can(agent, ACT_ROUTED)):
        raise Forbidden()
    return record


async def _act(request: Request, reference: str, agent: Agent, full_only: bool, action: str, *args: Any,
               action_id: str = "", **kwargs: Any) -> Response:
    """Run one staff-service action as ``agent`` on a request they may act on; back to the page with its result."""
    record = await _acting(request, reference, agent, full_only=full_only)
    actor, name = _actor(agent)
    method = getattr(guichet(request).staff, action)
    res = await method(record.reference, *args, actor, name, update_key=_key(action_id), **kwargs)
    return _done(request, record, [res])


@router.post("/{reference}/prendre")
async def take(request: Request, reference: str, action_id: str = Form(""),
               agent: Agent = Depends(require(ACT))) -> Response:
    return await _act(request, reference, agent, True, "take_charge", action_id=action_id, agent_id=agent.id)


@router.post("/{reference}/assigner")
async def assign(request: Request, reference: str, agent_id: str = Form(""), action_id: str = Form(""),
                 agent: Agent = Depends(require(ACT))) -> Response:
    await _acting(request, reference, agent, full_only=True)
    target = None
    if agent_id.isdigit():
        async with guichet(request).store.unit(readonly=True) as uow:
            target = await uow.get_agent(int(agent_id))
    if target is None or target not in agent_choices([target]):
        flash(request, T.A_NEED_AGENT, "error")
        return RedirectResponse(f"/console/demandes/{reference}", status_code=303)
    return await _act(request, reference, agent, True, "assign", target.id, target.name, action_id=action_id)


@router.post("/{reference}/orienter")
async def route(request: Request, reference: str, operateurs: list[str] = Form([]), action_id: str = Form(""),
                agent: Agent = Depends(require(ACT))) -> Response:
    record = await _acting(request, reference, agent, full_only=True)
    keys = [k for k in dict.fromkeys(operateurs) if k in TS.OPERATORS]
    if not keys:
        flash(request, T.A_NEED_OPERATOR, "error")
        return RedirectResponse(f"/console/demandes/{record.reference}", status_code=303)
    actor, name = _actor(agent)
    svc = guichet(request).staff
    results = [await svc.route(record.reference, k, actor, name, update_key=_key(action_id, f":{k}"))
               for k in keys]
    return _done(request, record, results)


@router.post("/{reference}/routes/{operator}")
async def route_status(request: Request, reference: str, operator: str, statut: str = Form(""),
                       action_id: str = Form(""), agent: Agent = Depends(require(ACT, ACT_ROUTED))) -> Response:
    if not can(agent, ACT) and operator != agent.operator:
        await _acting(request, reference, agent, full_only=False)  # 404/403 on the request itself first
        raise Forbidden()
    return await _act(request, reference, agent, False, "set_route_status", operator, statut, action_id=action_id)


@router.post("/{reference}/question")
async def ask(request: Request, reference: str, texte: str = Form(""), action_id: str = Form(""),
              agent: Agent = Depends(require(ACT, ACT_ROUTED))) -> Response:
    return await _act(request, reference, agent, False, "ask_details", texte, action_id=action_id)


@router.post("/{reference}/note")
async def note(request: Request, reference: str, texte: str = Form(""), action_id: str = Form(""),
               agent: Agent = Depends(require(ACT, ACT_ROUTED))) -> Response:
    return await _act(request, reference, agent, False, "add_note", texte, action_id=action_id)


@router.post("/{reference}/clore")
async def close(request: Request, reference: str, issue: str = Form(""), message: str = Form(""),
                action_id: str = Form(""), agent: Agent = Depends(require(ACT))) -> Response:
    record = await _acting(request, reference, agent, full_only=True)
    actor, name = _actor(agent)
    res = await guichet(request).staff.close(record.reference, issue, actor, message.strip()[:1000] or None, name,
                                             update_key=_key(action_id))
    return _done(request, record, [res])
