"""A request's page, as data: the record in names, the conversation with the mayor, internal notes, history, the
offers matched with their reasons, routes. Built from the store in one read-only unit (:func:`load_request_view`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.console.labels import Labels, local_time
from bot.staff import originals
from bot.staff.service import actor_label
from bot.store.inbox import PERSON_KINDS
from bot.store.models import STAFF_CHANNEL, Agent, EventRecord, RequestRecord, RequestRoute
from bot.texts import console as T

#: Outbox kinds addressed to the mayor that make up the staff's side of the conversation.
MAYOR_KINDS = ("status_notice", "staff_question", "relay_to_mayor")


@dataclass
class Message:
    at: datetime
    author: str
    text: str
    from_mayor: bool
    kind: str
    delivery: str | None = None  # pending | sent | failed (messages to the mayor)
    unread: bool = False  # issue 26: arrived after the agent last opened the page

    @property
    def label(self) -> str:
        return T.MESSAGE_KINDS.get(self.kind, "")

    @property
    def when(self) -> str:
        return local_time(self.at)


@dataclass
class HistoryItem:
    at: datetime
    who: str
    what: str
    change: str | None = None  # « from → to »

    @property
    def when(self) -> str:
        return local_time(self.at)


@dataclass
class OfferView:
    id: str
    name: str
    reasons: list[str]
    warnings: list[str]
    eligible: bool | None


@dataclass
class RequestView:
    record: RequestRecord
    routes: list[RequestRoute]
    conversation: list[Message]
    notes: list[HistoryItem]
    history: list[HistoryItem]
    offers: list[OfferView] = field(default_factory=list)
    awaiting_answer: bool = False
    email_confirmed: bool = False  # issue 13: the web chat confirmed the address with a code
    original: str | None = None  # the person's words of the need, verbatim (« Message d'origine »)
    said: list[str] = field(default_factory=list)  # every message the person typed during the intake


def who_of(ev: EventRecord, record: RequestRecord, agents: dict[int, str]) -> str:
    """A person's name for an event's actor, never a code (:func:`bot.staff.service.actor_label`, capitalised for a
    column of its own)."""
    who = actor_label(ev, record, agents)
    return who[:1].upper() + who[1:]


def describe(ev: EventRecord, labels: Labels) -> tuple[str, str | None]:
    """(what happened, « from → to » or None), in French, for the history."""
    d = ev.data if isinstance(ev.data, dict) else {}
    if ev.kind == "created":
        return T.EV_CREATED, None
    if ev.kind == "status":
        change = f"{labels.status(str(d.get('from')))} → {labels.status(str(d.get('to')))}"
        what = T.EV_STATUS
        if d.get("operator"):
            what += f" ({T.EV_TO_OPERATOR} {d['operator']})"
        if d.get("reason") == "mayor_answer":
            what += f" ({T.EV_AFTER_ANSWER})"
        return what, change
    if ev.kind == "assigned":
        return T.EV_ASSIGNED, f"{d.get('from') or T.NOBODY} → {d.get('to')}"
    if ev.kind == "route_status":
        return (f"{T.EV_ROUTE_STATUS} {labels.operator(str(d.get('operator')))}",
                f"{labels.route_status(str(d.get('from')))} → {labels.route_status(str(d.get('to')))}")
    if ev.kind == "mail_received":  # issue 20: what the receiving server said of the sender (SPF, DKIM, DMARC)
        from bot.channels.mail.parse import auth_summary

        found = auth_summary(d.get("authentication_results") or [])
        return T.EVENT_LABELS[ev.kind], T.MAIL_AUTH.format(results=found) if found else T.MAIL_AUTH_NONE
    if ev.kind in ("duplicate_of", "duplicate") and d.get("other"):
        return f"{T.EVENT_LABELS[ev.kind]} ({d['other']})", None
    if ev.kind == "attachment_added":  # issue 20: a file from Telegram or the web chat, by name and size
        from bot.texts import files as TF

        return T.EVENT_LABELS[ev.kind], ", ".join(TF.named(str(a.get("name") or ""), int(a.get("size") or 0))
                                                  for a in d.get("attachments") or [] if isinstance(a, dict)) or None
    return T.EVENT_LABELS.get(ev.kind, T.EVENT_OTHER), None


async def load_request_view(uow: Any, record: RequestRecord, labels: Labels, kb: Any,
                            seen_at: datetime | None = None, unread_all: bool = False,
                            prefecture_notes: bool = True) -> RequestView:
    """``seen_at``: when the reading agent last opened the page (their unread messages are marked); ``unread_all``:
    they never did and the request has news."""
    # the group's sub-menu openings (issue 12b: kept so a refresh never replaces an open sub-menu) are not actions
    events = [e for e in await uow.history(record.reference) if e.kind != "staff_menu"]
    routes = await uow.routes(record.reference)
    sent = await uow.outbox_of_request(record.reference)
    agents = {a.id: a.name for a in await uow.list_agents()}
    conversation: list[Message] = []
    if record.description:
        conversation.append(Message(record.created_at, record.contact_name or T.WHO_MAYOR, record.description,
                                    True, "need"))
    for ev in events:
        # every message of the person to staff (issue 26): an addition or an answer (``appended``), a call for an
        # agent (``agent_request``), a message during a handover (``relay_to_staff``)
        if ev.kind in PERSON_KINDS and ev.data.get("text"):
            conversation.append(Message(ev.at, record.contact_name or T.WHO_MAYOR, str(ev.data["text"]), True,
                                        "answer" if ev.kind == "appended" else ev.kind,
                                        unread=seen_at is not None and ev.at > seen_at or seen_at is None
                                        and unread_all))
    for m in sent:
        if m.channel != STAFF_CHANNEL and m.kind in MAYOR_KINDS:
            conversation.append(Message(m.created_at, T.WHO_PREFECTURE, m.text, False, m.kind, m.status))
    conversation.sort(key=lambda m: m.at)
    # issue 26: a note « préfecture seulement » is never shown to an operator (nor are older notes, written before
    # the choice existed: they were the préfecture's)
    notes = [HistoryItem(ev.at, who_of(ev, record, agents), str(ev.data.get("text", "")),
                         T.NOTE_SHARED if ev.data.get("visibility") == "shared" else T.NOTE_PREFECTURE)
             for ev in events if ev.kind == "note"
             and (prefecture_notes or ev.data.get("visibility") == "shared")]
    history = []
    for ev in events:
        what, change = describe(ev, labels)
        history.append(HistoryItem(ev.at, who_of(ev, record, agents), what, change))
    offers = await asyncio.to_thread(_offers, record, labels, kb)
    conv = await uow.get_conversation(record.channel, record.chat_id) if record.status == "en_attente" else None
    awaiting = bool(conv and (conv.data or {}).get("awaiting", {}).get("reference") == record.reference)
    original = originals.original_need(events)
    return RequestView(record, routes, conversation, notes, history, offers, awaiting,
                       email_confirmed=any(ev.kind == "email_confirmed" for ev in events),
                       original=original if originals.worth_showing(original, record.description) else None,
                       said=originals.person_messages(events))


def _offers(record: RequestRecord, labels: Labels, kb: Any) -> list[OfferView]:
    """The offers matched at filing (in that order), with the reasons the matcher gives today."""
    out: list[OfferView] = []
    try:
        found = {m.id: m for m in kb.match(record.description or "", record.commune_code, limit=30)}
    except Exception:  # noqa: BLE001 - the page still shows the offers' names
        found = {}
    for oid in record.matches:
        m = found.get(oid)
        if m is not None:
            out.append(OfferView(oid, labels.offer(oid), list(m.reasons), list(m.warnings), m.eligible))
            continue
        try:
            eligible, reasons, warnings = kb.eligibility(oid, record.commune_code)
        except Exception:  # noqa: BLE001
            eligible, reasons, warnings = None, [], []
        out.append(OfferView(oid, labels.offer(oid), list(reasons), list(warnings), eligible))
    return out


def agent_choices(agents: list[Agent]) -> list[Agent]:
    """Agents a request can be assigned to: active préfecture agents, admins and operator agents."""
    return [a for a in agents if a.active and a.role in ("prefecture", "admin", "operateur")]


def proposed_operators(record: RequestRecord, kb: Any) -> set[str]:
    """Operators to pre-tick when routing (issue 26): those behind the programmes proposed to the request (an OPAH →
    Anah), as the staff service's operator keys."""
    from bot.staff.service import resolve_operator

    out: set[str] = set()
    for oid in record.matches:
        offer = getattr(kb, "offers", {}).get(oid) if kb is not None else None
        for name in getattr(offer, "operators", None) or []:
            found = resolve_operator(str(name))
            if found and found[0] not in ("autre",):
                out.add(found[0])
    return out


async def files_of(store: object, reference: str) -> list[dict]:
    """The request's files for its page (name, type in words, size, link)."""
    from bot.store import attachments as A

    async with store.unit(readonly=True) as uow:  # type: ignore[attr-defined]
        rows = await A.list_for(uow, reference)
    return [{**r, "type_name": A.TYPE_NAMES.get(r["type"], r["type"]),
             "url": f"/console/demandes/{reference}/pieces/{r['id']}"} for r in rows]
