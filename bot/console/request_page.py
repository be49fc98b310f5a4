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
from bot.console.labels import due_date, local_time
from bot.console.record import agent_choices, files_of, load_request_view, proposed_operators
from bot.staff.service import StaffResult
from bot.staff import conversation
from bot.store import inbox as store_inbox
from bot.store.tables import utcnow
from bot.store.models import CLOSED_STATUSES, NOUVELLE, ROUTE_STATUSES, Agent, RequestRecord
from bot.texts import console as T
from bot.texts import staff as TS
from bot.webkit.deps import ACT, ACT_ROUTED, READ_ALL, READ_ROUTED, Forbidden, can, guichet, require
from bot.webkit.params import is_id
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
    async with g.store.unit() as uow:
        # issue 26: what arrived since this agent last opened the page is marked, then the page counts as read
        seen_at = await store_inbox.seen_at(uow, agent.id, record.reference)
        view = await load_request_view(uow, record, labels, g.kb, seen_at=seen_at,
                                       unread_all=seen_at is None and record.news_at is not None,
                                       prefecture_notes=can(agent, READ_ALL))
        agents = agent_choices(await uow.list_agents(active_only=True))
        templates = await store_inbox.list_templates(uow)
        await store_inbox.mark_seen(uow, agent.id, record.reference)
    full = can(agent, ACT)
    routed = can(agent, ACT_ROUTED)
    due = due_date(record.created_at, g.settings.late_days, g.settings.departement)
    return render(request, "console/request.html", {
        "nav": "inbox", "v": view, "r": view.record, "labels": labels, "agents": agents,
        "operators": TS.OPERATORS, "route_statuses": ROUTE_STATUSES,
        "may_act": full, "may_note": full or routed,
        "may_route_status": lambda op: full or (routed and op == agent.operator),
        "closed": record.status in CLOSED_STATUSES,
        "action_id": lambda: secrets.token_urlsafe(16),
        "fmt": local_time,
        "files": await files_of(g.store, record.reference),  # issue 20
        "templates": [(tp, tp.fill(record.contact_name, record.reference)) for tp in templates],
        "due": local_time(due)[:10] if record.status == NOUVELLE else None,
        "overdue": record.status == NOUVELLE and utcnow() > due,
        "last_message": view.conversation[-1] if view.conversation else None,
        "proposed_ops": set() if view.routes else proposed_operators(record, g.kb),
        "all_offers": sorted(((oid, labels.offer(oid)) for oid in (getattr(g.kb, "offers", {}) or {})),
                             key=lambda kv: kv[1].lower()),
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
async def take(request: Request, reference: str, action_id: str = Form(""), confirme: str = Form(""),
               agent: Agent = Depends(require(ACT))) -> Response:
    record = await _acting(request, reference, agent, full_only=True)
    owned_by_other = bool(record.assigned_to) and (record.assigned_agent_id != agent.id
                                                   if record.assigned_agent_id else record.assigned_to != agent.name)
    if owned_by_other and confirme != "1" and record.status not in CLOSED_STATUSES:
        # issue 26: taking a file someone else follows is confirmed first (then recorded as a change of owner,
        # and the previous owner is told)
        return render(request, "console/confirm.html", {
            "nav": "inbox", "r": record, "question": T.take_over_question(record.reference, record.assigned_to),
            "action": f"/console/demandes/{record.reference}/prendre", "fields": {"action_id": action_id,
                                                                                  "confirme": "1"},
            "yes": T.A_TAKE_OVER})
    return await _act(request, reference, agent, True, "take_charge", action_id=action_id, agent_id=agent.id)


@router.post("/{reference}/assigner")
async def assign(request: Request, reference: str, agent_id: str = Form(""), action_id: str = Form(""),
                 agent: Agent = Depends(require(ACT))) -> Response:
    await _acting(request, reference, agent, full_only=True)
    target = None
    if is_id(agent_id):  # issue 25: bounded
        async with guichet(request).store.unit(readonly=True) as uow:
            target = await uow.get_agent(int(agent_id))
    if target is None or target not in agent_choices([target]):
        flash(request, T.A_NEED_AGENT, "error")
        return RedirectResponse(f"/console/demandes/{reference}", status_code=303)
    return await _act(request, reference, agent, True, "assign", target.id, target.name, action_id=action_id)


@router.post("/{reference}/orienter")
async def route(request: Request, reference: str, operateurs: list[str] = Form([]), action_id: str = Form(""),
                message: str = Form(""), agent: Agent = Depends(require(ACT))) -> Response:
    record = await _acting(request, reference, agent, full_only=True)
    keys = [k for k in dict.fromkeys(operateurs) if k in TS.OPERATORS]
    if not keys:
        flash(request, T.A_NEED_OPERATOR, "error")
        return RedirectResponse(f"/console/demandes/{record.reference}", status_code=303)
    actor, name = _actor(agent)
    svc = guichet(request).staff
    results = [await svc.route(record.reference, k, actor, name, update_key=_key(action_id, f":{k}"))
               for k in keys]
    if message.strip():  # issue 26: a message for the operator, kept as a shared note; its agents are told
        for k, res in zip(keys, results):
            if res.ok and res.code == "ok":
                await svc.add_note(record.reference, message, actor, name, update_key=_key(action_id, f":n:{k}"),
                                   for_operator=k)
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


@router.post("/{reference}/repondre")
async def reply(request: Request, reference: str, texte: str = Form(""), action_id: str = Form(""),
                agent: Agent = Depends(require(ACT, ACT_ROUTED))) -> Response:
    """« Répondre » (issue 26): a message to the person in their channel; the status does not change."""
    record = await _acting(request, reference, agent, full_only=False)
    actor, name = _actor(agent)
    res = await guichet(request).staff.run(conversation.reply, record.reference, texte, actor, name,
                                           update_key=_key(action_id))
    return _done(request, record, [res])


@router.post("/{reference}/non-lu")
async def mark_unread(request: Request, reference: str, agent: Agent = Depends(require(READ_ALL, READ_ROUTED))
                      ) -> Response:
    """« Marquer comme non lu »: back to the inbox, the request « nouveau » again for this agent."""
    record = await visible_request(request, reference, agent)
    async with guichet(request).store.unit() as uow:
        await store_inbox.mark_unseen(uow, agent.id, record.reference)
    return RedirectResponse("/console/", status_code=303)


@router.post("/{reference}/note")
async def note(request: Request, reference: str, texte: str = Form(""), action_id: str = Form(""),
               visibilite: str = Form("prefecture"), agent: Agent = Depends(require(ACT, ACT_ROUTED))) -> Response:
    # issue 26: « préfecture seulement » or shared, chosen when written; an operator's note is always shared
    visibility = "shared" if not can(agent, READ_ALL) or visibilite == "partagee" else "prefecture"
    return await _act(request, reference, agent, False, "add_note", texte, action_id=action_id,
                      visibility=visibility)


@router.post("/{reference}/clore")
async def close(request: Request, reference: str, issue: str = Form(""), message: str = Form(""),
                action_id: str = Form(""), agent: Agent = Depends(require(ACT))) -> Response:
    record = await _acting(request, reference, agent, full_only=True)
    if not message.strip():  # issue 26: the person is always told why, in staff's words
        flash(request, TS.NEED_CLOSE_MESSAGE, "error")
        return RedirectResponse(f"/console/demandes/{record.reference}#actions", status_code=303)
    actor, name = _actor(agent)
    res = await guichet(request).staff.close(record.reference, issue, actor, message.strip()[:1000] or None, name,
                                             update_key=_key(action_id))
    return _done(request, record, [res])


@router.post("/{reference}/rouvrir")
async def reopen(request: Request, reference: str, message: str = Form(""), action_id: str = Form(""),
                 agent: Agent = Depends(require(ACT))) -> Response:
    record = await _acting(request, reference, agent, full_only=True)
    actor, name = _actor(agent)
    res = await guichet(request).staff.run(conversation.reopen, record.reference, actor, name, message,
                                           update_key=_key(action_id))
    return _done(request, record, [res])


@router.post("/{reference}/doublon")
async def duplicate(request: Request, reference: str, autre: str = Form(""), fusionner: str = Form(""),
                    message: str = Form(""), action_id: str = Form(""),
                    agent: Agent = Depends(require(ACT))) -> Response:
    """« Doublon de 90-2026-0001 » (issue 26): closed, both linked, the person told where to follow; merged into
    the other when both are open and « fusionner » is ticked."""
    record = await _acting(request, reference, agent, full_only=True)
    actor, name = _actor(agent)
    res = await guichet(request).staff.run(conversation.mark_duplicate, record.reference, autre.strip()[:32], actor,
                                           name, message, bool(fusionner), update_key=_key(action_id))
    return _done(request, record, [res])


@router.post("/{reference}/dispositifs")
async def programmes(request: Request, reference: str, raison: str = Form(""), ajouter: str = Form(""),
                     action_id: str = Form(""), agent: Agent = Depends(require(ACT))) -> Response:
    """Staff correct the proposed programmes (issue 26): ``ordre_<id>`` (a position), ``retirer_<id>`` (ticked:
    removed), ``ajouter`` (a programme of the knowledge base), ``raison`` (required)."""
    record = await _acting(request, reference, agent, full_only=True)
    form = await request.form()
    known = set(getattr(guichet(request).kb, "offers", {}) or {})
    kept: list[tuple[float, int, str]] = []
    for i, oid in enumerate(record.matches):
        if form.get(f"retirer_{oid}"):
            continue
        try:
            pos = float(str(form.get(f"ordre_{oid}") or i + 1))
        except ValueError:
            pos = float(i + 1)
        kept.append((pos, i, oid))
    new = [oid for _, _, oid in sorted(kept)]
    if ajouter and ajouter in known and ajouter not in new:
        new.append(ajouter)
    actor, name = _actor(agent)
    res = await guichet(request).staff.run(conversation.correct_programmes, record.reference, new, raison, actor,
                                           name, update_key=_key(action_id))
    return _done(request, record, [res])
