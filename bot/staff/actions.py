"""Staff actions on a request, on a unit of work the caller holds: take charge, route (and an operator's own status),
close, assign, notes; and the effects they share (the refreshed group message, the mayor's notice, a status change).

Outbox rows written here: ``staff_update`` (the request's group message refreshed; ``meta.edit_message_id`` is the
message to edit when known) and ``status_notice`` (to the mayor).
"""

from __future__ import annotations

from typing import Any, Callable

from bot.store.models import (
    ROUTE_PRISE_EN_CHARGE,
    ROUTE_STATUSES,
    ROUTE_TRANSMISE,
    CLOSED_STATUSES,
    EN_COURS,
    ORIENTEE,
    STAFF_CHANNEL,
    STAFF_CHAT,
    TRAITEE,
    EventRecord,
    RequestRecord,
)
from bot.store import attachments as _attachments
from bot.store.repository import IllegalTransition, RequestNotFound
from bot.staff import originals as _originals
from bot.staff.base import MAX_NOTE_CHARS, StaffResult, _by, _clean, _fail, _who
from bot.staff.card import staff_summary
from bot.staff.operators import resolve_operator, resolve_outcome
from bot.texts import staff as T

#: Routes still with the operator (routing there again changes nothing).
ACTIVE_ROUTE_STATUSES = frozenset({ROUTE_TRANSMISE, ROUTE_PRISE_EN_CHARGE})


# --- helpers ----------------------------------------------------------------------------------------------------------
async def _refresh_staff_message(uow: Any, record: RequestRecord, event: EventRecord, by: str | None) -> int | None:
    """Queue the refreshed group message of ``record`` after ``event``."""
    if by:
        event = event.model_copy(update={"data": {**event.data, "by": by}})
    original = _originals.original_need(await uow.history(record.reference))
    summary = staff_summary(record, last_event=event, original=original,
                            attachments=await _attachments.list_for(uow, record.reference))
    meta: dict[str, Any] = {}
    if record.staff_message_id:
        meta["edit_message_id"] = record.staff_message_id
    return await uow.enqueue(
        "staff_update", STAFF_CHANNEL, STAFF_CHAT, summary.text, summary.buttons or None, record.reference,
        dedup_key=f"staff-update:{record.reference}:{event.id}", meta=meta,
    )


async def _notify_mayor(uow: Any, record: RequestRecord, kind: str, text: str, key: str,
                        meta: dict[str, Any] | None = None) -> int | None:
    return await uow.enqueue(
        kind, record.channel, record.chat_id, text, None, record.reference, dedup_key=key, meta=meta or {},
    )


async def _change_status(
    uow: Any,
    reference: str,
    status: str,
    actor: str,
    *,
    by: str | None,
    note: str | None = None,
    operator: str | None = None,
    assigned_to: str | None = None,
    mayor_kind: str = "status_notice",
    mayor_text: Callable[[RequestRecord], str | None],
    done_text: Callable[[RequestRecord], str],
    staff_columns: dict[str, Any] | None = None,
) -> StaffResult:
    staff_columns = staff_columns or {}
    try:
        record = await uow.set_status(
            reference, status, actor, note=note, operator=operator, assigned_to=assigned_to,
            extra={"by": by} if by else None,
        )
    except RequestNotFound:
        return _fail("unknown_reference", T.unknown_reference(reference))
    except IllegalTransition as exc:
        current = await uow.get_request(reference)
        return _fail("illegal_transition", T.illegal_transition(exc.reference, exc.current, exc.new), current)
    event = (await uow.history(record.reference))[-1]
    await uow.mark_staff_action(record.reference, **staff_columns)
    ids = []
    n = await uow.count_events(record.reference, "status")
    said = mayor_text(record)
    mid = await _notify_mayor(uow, record, mayor_kind, said, f"notify:{record.reference}:{n}:{status}") \
        if said is not None else None
    sid = await _refresh_staff_message(uow, record, event, by)
    ids = [i for i in (mid, sid) if i is not None]
    return StaffResult(True, "ok", done_text(record), record, ids)


def console_agent_id(actor: str) -> int | None:
    kind, _, ident = str(actor or "").partition(":")
    return int(ident) if kind == "console" and ident.isdigit() else None


async def own_if_nobody(uow: Any, reference: str, actor: str, actor_name: str | None) -> None:
    """A console agent who writes to the person on a request nobody follows becomes its follower (the mayor's answer
    then stays in their « Mes demandes »)."""
    agent_id = console_agent_id(actor)
    record = await uow.get_request(reference)
    if agent_id is None or record is None or record.assigned_to or not actor_name:
        return
    await uow.log_event(record.reference, actor, "assigned",
                        {"from": None, "to": actor_name, "agent_id": agent_id, "by": actor_name})
    await uow.mark_staff_action(record.reference, assigned_to=actor_name, assigned_agent_id=agent_id)


# --- actions on a unit of work ----------------------------------------------------------------------------------------
async def take_charge(uow: Any, reference: str, actor: str, actor_name: str | None = None,
                      agent_id: int | None = None) -> StaffResult:
    """Status ``en_cours``, followed by the actor (``agent_id``: a console agent). Already ``en_cours``: nothing
    (a double tap, or the same action from the group and the console), except that a console agent taking a request
    someone else follows becomes its follower (:func:`assign`, no message to the mayor)."""
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    if current.status == EN_COURS:
        if agent_id is not None and current.assigned_agent_id != agent_id:
            return await assign(uow, current.reference, agent_id, actor_name or actor, actor, actor_name)
        return StaffResult(True, "unchanged", T.ALREADY_DONE, current)
    who = _who(actor, actor_name)
    history = await uow.history(current.reference)
    # issue 26: the person is told « prise en charge » once in the life of a request
    told = any(ev.kind == "status" and ev.data.get("to") == EN_COURS for ev in history)
    if current.assigned_to and current.assigned_to != who:  # a change of owner, recorded as such
        await uow.log_event(current.reference, actor, "assigned", _by(
            {"from": current.assigned_to, "to": who, "agent_id": agent_id,
             "from_agent_id": current.assigned_agent_id}, actor_name))
    return await _change_status(
        uow, current.reference, EN_COURS, actor, by=actor_name, assigned_to=who,
        mayor_text=lambda r: None if told else T.mayor_taken(r.reference),
        done_text=lambda r: T.done_taken(r.reference, who),
        staff_columns={"assigned_agent_id": agent_id},
    )


async def route(uow: Any, reference: str, operator: str, actor: str, actor_name: str | None = None) -> StaffResult:
    resolved = resolve_operator(operator)
    if resolved is None:
        return _fail("unknown_operator", T.unknown_operator(operator))
    _key, label = resolved
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    routes = {r.operator: r for r in await uow.routes(current.reference)}
    active = routes.get(_key) is not None and routes[_key].status in ACTIVE_ROUTE_STATUSES
    if active or (not routes and current.status == ORIENTEE and current.operator == label):  # before routes
        return StaffResult(True, "unchanged", T.ALREADY_DONE, current)
    who = _who(actor, actor_name)
    result = await _change_status(
        uow, current.reference, ORIENTEE, actor, by=actor_name, operator=label,
        mayor_text=lambda r: T.mayor_routed(r.reference, label),
        done_text=lambda r: T.done_routed(r.reference, label, who),
    )
    if result.ok:
        await uow.set_route(current.reference, _key, ROUTE_TRANSMISE)
    return result


async def close(uow: Any, reference: str, outcome: str, actor: str, note: str | None = None,
                actor_name: str | None = None) -> StaffResult:
    status = resolve_outcome(outcome)
    if status is None:
        return _fail("unknown_outcome", T.UNKNOWN_OUTCOME)
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    if current.status == status:
        return StaffResult(True, "unchanged", T.ALREADY_DONE, current)
    note = _clean(note).strip()[:1000] or None if note else None
    who = _who(actor, actor_name)
    text = T.mayor_closed_done if status == TRAITEE else T.mayor_closed_dropped
    return await _change_status(
        uow, current.reference, status, actor, by=actor_name, note=note,
        mayor_text=lambda r: text(r.reference, note, commune=r.commune_name, operator=r.operator),
        done_text=lambda r: T.done_closed(r.reference, status, who),
    )


# --- console actions (issue 12); the group's buttons use the same functions above ------------------------------------
async def assign(uow: Any, reference: str, agent_id: int, agent_name: str, actor: str,
                 actor_name: str | None = None) -> StaffResult:
    """Make a console agent the request's follower (``assigned_to`` = their name). Internal: the mayor is not told;
    the group's message is refreshed. Same follower again: nothing."""
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    if current.status in CLOSED_STATUSES:
        return _fail("illegal_transition", T.CLOSED_NO_ACTION, current)
    if current.assigned_agent_id == agent_id and current.assigned_to == agent_name:
        return StaffResult(True, "unchanged", T.ALREADY_DONE, current)
    event = await uow.log_event(current.reference, actor, "assigned", _by(
        {"from": current.assigned_to, "to": agent_name, "agent_id": agent_id,
         "from_agent_id": current.assigned_agent_id}, actor_name))
    await uow.mark_staff_action(current.reference, assigned_to=agent_name, assigned_agent_id=agent_id)
    record = await uow.get_request(current.reference)
    sid = await _refresh_staff_message(uow, record, event, actor_name)
    return StaffResult(True, "ok", T.done_assigned(record.reference, agent_name, _who(actor, actor_name)), record,
                       [sid] if sid else [])


async def set_route_status(uow: Any, reference: str, operator: str, status: str, actor: str,
                           actor_name: str | None = None) -> StaffResult:
    """One operator's own status on a request routed to it (``transmise`` → ``prise_en_charge`` → ``traitee``…)."""
    resolved = resolve_operator(operator)
    if resolved is None:
        return _fail("unknown_operator", T.unknown_operator(operator))
    key, label = resolved
    if status not in ROUTE_STATUSES:
        return _fail("unknown_outcome", T.UNKNOWN_ROUTE_STATUS)
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    routes = {r.operator: r for r in await uow.routes(current.reference)}
    if key not in routes:
        return _fail("no_target", T.not_routed_to(label), current)
    if current.status in CLOSED_STATUSES:
        return _fail("illegal_transition", T.CLOSED_NO_ACTION, current)
    if routes[key].status == status:
        return StaffResult(True, "unchanged", T.ALREADY_DONE, current)
    await uow.set_route(current.reference, key, status)
    event = await uow.log_event(current.reference, actor, "route_status",
                                _by({"operator": key, "from": routes[key].status, "to": status}, actor_name))
    await uow.mark_staff_action(current.reference)
    sid = await _refresh_staff_message(uow, current, event, actor_name)
    return StaffResult(True, "ok", T.done_route_status(current.reference, label, status), current,
                       [sid] if sid else [])


async def add_note(uow: Any, reference: str, text: str, actor: str, actor_name: str | None = None,
                   visibility: str | None = None, for_operator: str | None = None) -> StaffResult:
    """An internal note: in the request's history, never sent to the mayor nor to the group. ``visibility``
    (issue 26): ``prefecture`` (préfecture only: operators never see it) or ``shared`` (with the operators the
    request is routed to); ``for_operator``: a message to that operator, written when routing (its agents are told)."""
    text = _clean(text).strip()[:MAX_NOTE_CHARS]
    if not text:
        return _fail("empty_text", T.EMPTY_TEXT)
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    data: dict[str, Any] = {"text": text}
    if visibility in ("prefecture", "shared"):
        data["visibility"] = visibility
    if for_operator:
        data["for_operator"] = for_operator
        data["visibility"] = "shared"
    await uow.log_event(current.reference, actor, "note", _by(data, actor_name))
    await uow.mark_staff_action(current.reference)
    return StaffResult(True, "ok", T.NOTE_ADDED, current)
