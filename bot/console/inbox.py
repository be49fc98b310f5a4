"""The inbox: ``/console/`` (every request an agent may see, filtered, searched, paged; see :mod:`queries`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.labels import Labels, ago
from bot.console.queries import NOBODY, PAGE_SIZE, InboxQuery, agent_may_see, inbox_page
from bot.store.models import ROLE_COMITE, STATUSES, Agent
from bot.store.tables import utcnow
from bot.texts import console as T
from bot.texts import staff as TS
from bot.webkit.deps import ACT, READ_ALL, READ_ROUTED, Forbidden, LoginRequired, can, current_agent, guichet, require
from bot.webkit.templating import flash, render

router = APIRouter(prefix="/console")


def labels_of(request: Request) -> Labels:
    """The app's :class:`Labels` (built once, from the knowledge base)."""
    state = request.app.state
    if getattr(state, "console_labels", None) is None:
        g = guichet(request)
        state.console_labels = Labels(g.kb, g.settings.departement)
    return state.console_labels


@router.get("/")
async def inbox(request: Request, agent: Agent | None = Depends(current_agent)) -> Response:
    if agent is None:
        raise LoginRequired()
    if agent.role == ROLE_COMITE:
        return RedirectResponse("/console/tableau-de-bord", status_code=303)
    if not (can(agent, READ_ALL) or can(agent, READ_ROUTED)):
        raise Forbidden()
    g = guichet(request)
    labels = labels_of(request)
    query = InboxQuery.from_params(request.query_params, TS.OPERATORS.keys())
    async with g.store.unit(readonly=True) as uow:
        # an htmx refresh swaps #resultats only: the views' counts, outside it, are not computed again
        page = await inbox_page(uow, agent, query, g.settings.late_days,
                                with_counts=not request.headers.get("HX-Request"))
        agents = [a for a in await uow.list_agents(active_only=True) if a.role != ROLE_COMITE]
    agent_names = {str(a.id): a.name for a in agents}

    def link(**changes: Any) -> str:
        params = page.query.params(**changes)
        return "/console/" + (f"?{urlencode(params)}" if params else "")

    active = _active_filters(page.query, labels, agent_names)
    return render(request, "console/inbox.html", {
        "nav": "inbox", "page": page, "q": page.query, "labels": labels, "link": link, "ago": ago,
        "now": utcnow(), "active": active, "agents": agents, "statuses": STATUSES, "NOBODY": NOBODY,
        "operators": TS.OPERATORS, "view_labels": T.VIEW_LABELS,
        "communes": sorted(labels.communes.items(), key=lambda kv: kv[1]),
        "may_waiting": can(agent, READ_ALL), "may_bulk": can(agent, ACT),
        "action_id": lambda: secrets.token_urlsafe(16),
    })


@router.post("/lot")
async def bulk(request: Request, refs: list[str] = Form([]), action: str = Form(""), agent_id: str = Form(""),
               operateur: str = Form(""), message: str = Form(""), action_id: str = Form(""),
               agent: Agent = Depends(require(ACT))) -> Response:
    """Bulk actions on the ticked rows (issue 26): assign, route, close (with a message, required). Each request is
    one staff-service action (its own transaction, audited); ``action_id`` makes a double submit do nothing twice."""
    g = guichet(request)
    refs = list(dict.fromkeys(r for r in refs if r))[:PAGE_SIZE]
    back = request.headers.get("referer") or "/console/"
    if not back.startswith(str(request.base_url).rstrip("/")) and not back.startswith("/"):
        back = "/console/"
    if not refs:
        flash(request, T.BULK_NONE, "error")
        return RedirectResponse(back, status_code=303)
    actor, name = f"console:{agent.id}", agent.name
    target = None
    if action == "assigner":
        if agent_id.isdigit():
            async with g.store.unit(readonly=True) as uow:
                target = await uow.get_agent(int(agent_id))
        if target is None or not target.active:
            flash(request, T.A_NEED_AGENT, "error")
            return RedirectResponse(back, status_code=303)
    elif action == "orienter" and operateur not in TS.OPERATORS:
        flash(request, T.A_NEED_OPERATOR, "error")
        return RedirectResponse(back, status_code=303)
    elif action == "clore" and not message.strip():
        flash(request, T.A_CLOSE_NEED_MESSAGE, "error")
        return RedirectResponse(back, status_code=303)
    elif action not in ("assigner", "orienter", "clore"):
        return RedirectResponse(back, status_code=303)
    done = failed = 0
    for ref in refs:
        async with g.store.unit(readonly=True) as uow:
            record = await uow.get_request(ref)
            visible = record is not None and await agent_may_see(uow, agent, record.reference)
        if not visible:
            failed += 1
            continue
        key = f"web:{action_id}:{ref}" if action_id and len(action_id) <= 64 else None
        if action == "assigner":
            res = await g.staff.assign(ref, target.id, target.name, actor, name, update_key=key)
        elif action == "orienter":
            res = await g.staff.route(ref, operateur, actor, name, update_key=key)
        else:
            res = await g.staff.close(ref, "traitee", actor, message.strip()[:1000], name, update_key=key)
        if res.ok and res.code == "ok":
            done += 1
        else:
            failed += 1
    flash(request, T.bulk_done(done, failed), "success" if done else "info")
    return RedirectResponse(back, status_code=303)


def _active_filters(q: InboxQuery, labels: Labels, agent_names: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, value, parameter) of each active filter, for the summary line and its « retirer » links."""
    out: list[tuple[str, str, str]] = []
    if q.vue:
        out.append((T.FILTER_VIEW, T.VIEW_LABELS.get(q.vue, q.vue), "vue"))
    if q.q:
        out.append((T.FILTER_SEARCH, f"« {q.q} »", "q"))
    if q.statut:
        out.append((T.COL_STATUS, T.STATUS_GROUPS.get(q.statut) or labels.status(q.statut), "statut"))
    if q.theme:
        out.append((T.COL_THEMES, labels.theme(q.theme), "theme"))
    if q.epci:
        out.append((T.COL_EPCI, labels.epci(q.epci), "epci"))
    if q.commune:
        out.append((T.COL_COMMUNE, labels.commune(q.commune), "commune"))
    if q.operateur:
        out.append((T.COL_OPERATOR, labels.operator(q.operateur), "operateur"))
    if q.age:
        out.append((T.COL_AGE, T.AGE_LABELS[q.age], "age"))
    if q.inactif:
        out.append((T.COL_LAST_ACTION, T.IDLE_LABELS[q.inactif], "inactif"))
    if q.suivi:
        out.append((T.COL_ASSIGNEE, T.NOBODY if q.suivi == NOBODY else agent_names.get(q.suivi, q.suivi), "suivi"))
    return out
