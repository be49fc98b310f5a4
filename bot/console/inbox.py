"""The inbox: ``/console/`` (every request an agent may see, filtered, searched, paged; see :mod:`queries`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.labels import Labels, ago
from bot.console.queries import NOBODY, InboxQuery, inbox_page
from bot.store.models import ROLE_COMITE, STATUSES, Agent
from bot.store.tables import utcnow
from bot.texts import console as T
from bot.texts import staff as TS
from bot.webkit.deps import READ_ALL, READ_ROUTED, Forbidden, LoginRequired, can, current_agent, guichet
from bot.webkit.templating import render

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
        page = await inbox_page(uow, agent, query, g.settings.response_days,
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
    })


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
