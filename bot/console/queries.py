"""The inbox's query: scope (what the agent may see), filters, search, saved views, counts, sort, paging.

Every filter is a parameter of ``/console/`` (a GET form, so a filtered list is a link one can keep):
``q`` (search words), ``statut`` (a status, ``ouvertes`` or ``closes``), ``theme``, ``commune`` (INSEE code),
``epci`` (SIREN), ``operateur`` (key), ``suivi`` (an agent id, or ``personne``), ``vue`` (a saved view), ``tri``,
``page``. Unknown values are ignored (bad input never fails the page).

Saved views (counts shown for each, within the agent's scope, whatever the other filters):
``non-assignees`` (open, followed by nobody), ``mes-demandes`` (open, followed by me), ``en-retard`` (still
``nouvelle`` after the guichet's commitment: ``GUICHET_RESPONSE_DAYS`` working days), ``mon-operateur`` (routed to
my operator, still with it: operator agents).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.store.models import (
    CLOSED_STATUSES,
    NOUVELLE,
    OPEN_STATUSES,
    ROUTE_PRISE_EN_CHARGE,
    ROUTE_TRANSMISE,
    STATUSES,
    Agent,
    RequestRecord,
    RequestRoute,
)
from bot.store.inbox import count_waiting, unread_condition, unread_of
from bot.store.search import like_pattern, query_words
from bot.store.tables import request_route_t, request_t, request_theme_t, utcnow
from bot.store.workdays import late_cutoff
from bot.webkit.deps import READ_ALL, can
from bot.webkit.params import is_id

PAGE_SIZE = 50
MAX_PAGE = 2000
VIEWS = ("non-assignees", "mes-demandes", "en-retard", "mon-operateur", "nouveaux")
SORTS = ("recentes", "anciennes", "sans-action")
NOBODY = "personne"
AGE_DAYS = ("7", "30", "90")
IDLE_DAYS = ("3", "7", "30")


@dataclass
class InboxQuery:
    q: str = ""
    statut: str = ""
    theme: str = ""
    commune: str = ""
    epci: str = ""
    operateur: str = ""
    suivi: str = ""
    vue: str = ""
    age: str = ""  # older than N days
    inactif: str = ""  # open, no staff action for N days
    tri: str = "recentes"
    page: int = 1

    @classmethod
    def from_params(cls, params: Any, operator_keys: Any = ()) -> "InboxQuery":
        def get(name: str, limit: int = 40) -> str:
            value = params.get(name) or ""
            return str(value).strip()[:limit]

        statut = get("statut")
        if statut not in STATUSES and statut not in ("ouvertes", "closes"):
            statut = ""
        operateur = get("operateur")
        if operateur not in operator_keys:
            operateur = ""
        suivi = get("suivi")
        if suivi != NOBODY and not is_id(suivi):  # issue 25: bounded (an id the database can hold)
            suivi = ""
        vue = get("vue")
        tri = get("tri")
        age = get("age")
        inactif = get("inactif")
        try:
            page = min(MAX_PAGE, max(1, int(get("page", 6) or 1)))
        except ValueError:
            page = 1
        return cls(
            q=get("q", 200), statut=statut, theme=get("theme"), commune=get("commune", 16), epci=get("epci", 16),
            operateur=operateur, suivi=suivi, vue=vue if vue in VIEWS else "", tri=tri if tri in SORTS else "recentes",
            age=age if age in AGE_DAYS else "", inactif=inactif if inactif in IDLE_DAYS else "", page=page,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query as URL parameters (non-empty ones), with ``changes``; paging restarts unless ``page`` given."""
        data = replace(self, **({"page": 1} | changes)).__dict__
        return {k: str(v) for k, v in data.items() if v and not (k == "tri" and v == "recentes")
                and not (k == "page" and v == 1)}

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.statut or self.theme or self.commune or self.epci or self.operateur or self.suivi
                    or self.vue or self.age or self.inactif)


@dataclass
class InboxPage:
    query: InboxQuery
    rows: list[RequestRecord]
    routes: dict[str, list[RequestRoute]]
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    views: tuple[str, ...] = ()
    # issue 26: « nouveau » for this agent (references on the page; count per view, "" = every request in scope),
    # people waiting before filing, rows past the guichet's commitment
    unread: set[str] = field(default_factory=set)
    new_counts: dict[str, int] = field(default_factory=dict)
    waiting: int = 0
    late: set[str] = field(default_factory=set)

    @property
    def pages(self) -> int:
        return max(1, (self.total + PAGE_SIZE - 1) // PAGE_SIZE)


def _routed_to(key: str, active_only: bool = False) -> Any:
    """Requests routed to operator ``key`` (served by the index on request_route (operator, reference))."""
    sub = sa.select(request_route_t.c.reference).where(request_route_t.c.operator == key)
    if active_only:
        sub = sub.where(request_route_t.c.status.in_([ROUTE_TRANSMISE, ROUTE_PRISE_EN_CHARGE]))
    return request_t.c.reference.in_(sub)


def _with_theme(theme: str) -> Any:
    return request_t.c.reference.in_(sa.select(request_theme_t.c.reference).where(request_theme_t.c.theme == theme))


def _matching(word: str) -> Any:
    """Requests whose folded text contains ``word``. PostgreSQL: the trigram index serves it when the word is
    selective. SQLite: a scan of one narrow column (a trigram FTS5 index was tried: fast for rare words, ten times
    slower than the scan for common ones; see docs/performance.md)."""
    return request_t.c.search_text.like(like_pattern(word), escape="\\")


def scope(agent: Agent) -> list[Any]:
    """What ``agent`` may see: everything (READ_ALL), else only the requests routed to their operator."""
    if can(agent, READ_ALL):
        return []
    if agent.operator:
        return [_routed_to(agent.operator)]
    return [sa.false()]


def views_for(agent: Agent) -> tuple[str, ...]:
    return VIEWS[:4] if agent.operator else VIEWS[:3]


def view_condition(view: str, agent: Agent, now: datetime, response_days: int) -> list[Any]:
    open_ = request_t.c.status.in_(sorted(OPEN_STATUSES))
    if view == "non-assignees":  # whoever took it (console or Telegram) is in assigned_to
        return [open_, request_t.c.assigned_to.is_(None)]
    if view == "mes-demandes":
        return [open_, request_t.c.assigned_agent_id == agent.id]
    if view == "en-retard":
        return [request_t.c.status == NOUVELLE, request_t.c.created_at < late_cutoff(now, response_days)]
    if view == "nouveaux":  # issue 26: what this agent has not read yet
        return [unread_condition(agent.id)]
    if view == "mon-operateur":  # still with my operator (its route transmise or prise en charge)
        return [_routed_to(agent.operator, active_only=True)] if agent.operator else [sa.false()]
    return []


def filters(query: InboxQuery, now: datetime | None = None) -> list[Any]:
    now = now or utcnow()
    cond: list[Any] = []
    if query.age:
        cond.append(request_t.c.created_at < now - timedelta(days=int(query.age)))
    if query.inactif:
        cutoff = now - timedelta(days=int(query.inactif))
        cond += [request_t.c.status.in_(sorted(OPEN_STATUSES)),
                 sa.func.coalesce(request_t.c.staff_action_at, request_t.c.created_at) < cutoff]
    if query.statut == "ouvertes":
        cond.append(request_t.c.status.in_(sorted(OPEN_STATUSES)))
    elif query.statut == "closes":
        cond.append(request_t.c.status.in_(sorted(CLOSED_STATUSES)))
    elif query.statut:
        cond.append(request_t.c.status == query.statut)
    if query.theme:
        cond.append(_with_theme(query.theme))
    if query.commune:
        cond.append(request_t.c.commune_code == query.commune)
    if query.epci:
        cond.append(request_t.c.epci_code == query.epci)
    if query.operateur:
        cond.append(_routed_to(query.operateur))
    if query.suivi == NOBODY:
        cond.append(request_t.c.assigned_to.is_(None))
    elif query.suivi:
        cond.append(request_t.c.assigned_agent_id == int(query.suivi))
    for word in query_words(query.q):
        cond.append(_matching(word))
    return cond


def _order(tri: str) -> list[Any]:
    if tri == "anciennes":
        return [request_t.c.id.asc()]
    if tri == "sans-action":
        return [request_t.c.staff_action_at.asc().nulls_first(), request_t.c.id.asc()]
    return [request_t.c.id.desc()]


async def inbox_page(uow: Any, agent: Agent, query: InboxQuery, response_days: int = 5,
                     now: datetime | None = None, with_counts: bool = True) -> InboxPage:
    """One page of the inbox; ``with_counts=False`` skips the saved views' counts (an htmx refresh of the results
    only: the views' tags stay as they are on the page)."""
    now = now or utcnow()
    base = scope(agent)
    views = views_for(agent)
    cond = base + filters(query, now)
    if query.vue in views or query.vue == "nouveaux":
        cond += view_condition(query.vue, agent, now, response_days)
    count = sa.select(sa.func.count()).select_from(request_t).where(*cond)
    total = int((await uow.conn.execute(count)).scalar_one())
    page = min(query.page, max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE))
    stmt = (sa.select(request_t).where(*cond).order_by(*_order(query.tri))
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    rows = [RequestRecord.model_validate(dict(r._mapping)) for r in (await uow.conn.execute(stmt)).all()]
    routes = await uow.routes_of([r.reference for r in rows])
    counts: dict[str, int] = {}
    for view in views if with_counts else ():
        c = sa.select(sa.func.count()).select_from(request_t).where(
            *base, *view_condition(view, agent, now, response_days))
        counts[view] = int((await uow.conn.execute(c)).scalar_one())
    new_counts = await _new_counts(uow, agent, views, now, response_days)
    unread = await unread_of(uow, agent.id, [r.reference for r in rows])
    cutoff = late_cutoff(now, response_days)
    late = {r.reference for r in rows if r.status == NOUVELLE and r.created_at < cutoff}
    waiting = await count_waiting(uow) if with_counts and can(agent, READ_ALL) else 0
    return InboxPage(query=replace(query, page=page), rows=rows, routes=routes, total=total, counts=counts,
                     views=views, unread=unread, new_counts=new_counts, waiting=waiting, late=late)


#: At most this many unread requests are counted per agent (beyond, the counts say at least this many).
MAX_UNREAD = 5000


async def _new_counts(uow: Any, agent: Agent, views: tuple[str, ...], now: datetime, response_days: int
                      ) -> dict[str, int]:
    """« nouveau » per view ("" = every request in scope), issue 26: the agent's unread requests are few (only requests
    with news are read, through ``ix_request_news_at``), so they are fetched once and sorted into the views here —
    the same rules as :func:`view_condition` — instead of one count per view over the whole table."""
    c = request_t.c
    stmt = (sa.select(c.reference, c.status, c.assigned_to, c.assigned_agent_id, c.created_at)
            .where(unread_condition(agent.id)).limit(MAX_UNREAD))
    found = (await uow.conn.execute(stmt)).all()
    if not found:
        return {"": 0, **{v: 0 for v in views}}
    routes = await uow.routes_of([r.reference for r in found])
    if not can(agent, READ_ALL):
        found = [r for r in found if agent.operator and any(rt.operator == agent.operator
                                                            for rt in routes.get(r.reference, []))]
    cutoff = late_cutoff(now, response_days)
    active = {ROUTE_TRANSMISE, ROUTE_PRISE_EN_CHARGE}
    rules = {
        "non-assignees": lambda r: r.status in OPEN_STATUSES and r.assigned_to is None,
        "mes-demandes": lambda r: r.status in OPEN_STATUSES and r.assigned_agent_id == agent.id,
        "en-retard": lambda r: r.status == NOUVELLE and r.created_at < cutoff,
        "mon-operateur": lambda r: bool(agent.operator) and any(
            rt.operator == agent.operator and rt.status in active for rt in routes.get(r.reference, [])),
    }
    out = {"": len(found)}
    for view in views:
        rule = rules.get(view)
        out[view] = sum(1 for r in found if rule(r)) if rule else 0
    return out


async def agent_may_see(uow: Any, agent: Agent, reference: str) -> bool:
    stmt = sa.select(sa.func.count()).select_from(request_t).where(
        request_t.c.reference == reference, *scope(agent))
    return int((await uow.conn.execute(stmt)).scalar_one()) > 0
