"""One conversation per person, answered from the console (issue 26): a plain reply on a request (the status does
not change), an answer to a person waiting before filing (« Personnes en attente »), setting such a wait aside.

Same rules as :mod:`bot.staff.service`: a unit of work in, a :class:`StaffResult` out, never raising; the message
goes to the person's channel through the outbox (``relay_to_mayor`` rows: Telegram, the web chat, e-mail…).
"""

from __future__ import annotations

from typing import Any

from bot.staff.service import (MAX_RELAY_CHARS, StaffResult, _clean, _digest, _fail,
                               own_if_nobody, relay_to_mayor)
from bot.store import inbox as store_inbox
from bot.store.models import CLOSED_STATUSES
from bot.texts import staff as T


async def reply(uow: Any, reference: str, text: str, actor: str, actor_name: str | None = None) -> StaffResult:
    """« Répondre »: a message to the person in their channel; the status stays as it is."""
    text = _clean(text).strip()[:MAX_RELAY_CHARS]
    if not text:
        return _fail("empty_text", T.EMPTY_TEXT)
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    if current.status in CLOSED_STATUSES:
        return _fail("illegal_transition", T.CLOSED_NO_ACTION, current)
    n = await uow.count_events(current.reference, "relay_to_mayor")
    res = await relay_to_mayor(uow, text, actor, reference=current.reference,
                               dedup_key=f"reply:{current.reference}:{n}:{_digest(text)}")
    if not res.ok:
        return res
    await own_if_nobody(uow, current.reference, actor, actor_name)
    await uow.mark_staff_action(current.reference)
    return StaffResult(True, res.code, T.done_replied(current.reference), await uow.get_request(current.reference),
                       res.outbox_ids)


async def answer_waiting(uow: Any, message_id: int, text: str, actor: str, actor_name: str | None = None
                         ) -> StaffResult:
    """An agent answers a person waiting (no open request): the message goes to their chat, the wait is settled."""
    text = _clean(text).strip()[:MAX_RELAY_CHARS]
    if not text:
        return _fail("empty_text", T.EMPTY_TEXT)
    thread = await store_inbox.waiting_thread(uow, message_id)
    if not thread:
        return _fail("no_target", T.NO_RELAY_TARGET)
    first = thread[0]
    await uow.lock_chat(first.channel, first.chat_id)
    n = sum(1 for m in thread if m.kind == "staff")
    oid = await uow.enqueue("relay_to_mayor", first.channel, first.chat_id, T.mayor_message_from_staff(text), None,
                            None, dedup_key=f"waiting-reply:{first.channel}:{first.chat_id}:{n}:{_digest(text)}")
    if oid is None:
        return StaffResult(True, "unchanged", T.ALREADY_DONE)
    by = actor_name or actor
    await store_inbox.settle_waiting(uow, first.channel, first.chat_id, by)
    await store_inbox.add_waiting(uow, channel=first.channel, chat_id=first.chat_id, user_id=first.user_id,
                                  kind="staff", text=text, name=by, done_by=by)
    await uow.log_event(None, actor, "relay_to_mayor", {"channel": first.channel, "chars": len(text),
                                                        **({"by": actor_name} if actor_name else {})})
    return StaffResult(True, "ok", T.done_relayed(None), None, [oid])


async def set_aside_waiting(uow: Any, message_id: int, actor: str, actor_name: str | None = None) -> StaffResult:
    thread = await store_inbox.waiting_thread(uow, message_id)
    if not thread:
        return _fail("no_target", T.NO_RELAY_TARGET)
    done = await store_inbox.settle_waiting(uow, thread[0].channel, thread[0].chat_id, actor_name or actor)
    return StaffResult(True, "ok" if done else "unchanged", T.WAITING_SET_ASIDE if done else T.ALREADY_DONE)


async def reopen(uow: Any, reference: str, actor: str, actor_name: str | None = None, note: str | None = None
                 ) -> StaffResult:
    """A closed request back to « Prise en charge » (same owner); the person is told, with staff's message."""
    from bot.store.models import EN_COURS

    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    if current.status not in CLOSED_STATUSES:
        return _fail("illegal_transition", T.NOT_CLOSED, current)
    note = _clean(note or "").strip()[:1000] or None
    await store_inbox.reopen_request(uow, current.reference, EN_COURS)
    data = {"from": current.status, "to": EN_COURS, "reason": "reopened", **({"note": note} if note else {}),
            **({"by": actor_name} if actor_name else {})}
    event = await uow.log_event(current.reference, actor, "status", data)
    await uow.mark_staff_action(current.reference)
    mid = await uow.enqueue("status_notice", current.channel, current.chat_id, T.mayor_reopened(current.reference, note),
                            None, current.reference, dedup_key=f"reopen:{current.reference}:{event.id}")
    return StaffResult(True, "ok", T.done_reopened(current.reference), await uow.get_request(current.reference),
                       [mid] if mid else [])


async def mark_duplicate(uow: Any, reference: str, other: str, actor: str, actor_name: str | None = None,
                         note: str | None = None, merge: bool = False) -> StaffResult:
    """« Doublon de 90-2026-0001 »: this request is closed (sans suite), both are linked in their histories, and the
    person is told where to follow. ``merge`` (both open): this request's need is added to the other, as an
    addition, so nothing of it is lost."""
    from bot.store.models import CLOSE_SANS_SUITE

    current = await uow.get_request(reference, for_update=True)
    target = await uow.get_request(other.strip().upper()) if other else None
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    if target is None:
        return _fail("unknown_reference", T.unknown_reference(other), current)
    if target.reference == current.reference:
        return _fail("no_target", T.SAME_REQUEST, current)
    if current.status in CLOSED_STATUSES:
        return _fail("illegal_transition", T.CLOSED_NO_ACTION, current)
    merge = merge and target.status not in CLOSED_STATUSES
    note = _clean(note or "").strip()[:1000] or None
    by = {"by": actor_name} if actor_name else {}
    record = await uow.set_status(current.reference, CLOSE_SANS_SUITE, actor, note=note,
                                  extra={"duplicate_of": target.reference, **by})
    await uow.log_event(current.reference, actor, "duplicate_of", {"other": target.reference, "merged": merge, **by})
    await uow.log_event(target.reference, actor, "duplicate", {"other": current.reference, "merged": merge, **by})
    if merge and current.description:
        await uow.append_to_request(target.reference, T.merged_need(current.reference, current.description), actor)
    await uow.mark_staff_action(current.reference)
    n = await uow.count_events(current.reference, "status")
    mid = await uow.enqueue("status_notice", record.channel, record.chat_id,
                            T.mayor_duplicate(record.reference, target.reference, note), None, record.reference,
                            dedup_key=f"notify:{record.reference}:{n}:duplicate")
    return StaffResult(True, "ok", T.done_duplicate(record.reference, target.reference, merge), record,
                       [mid] if mid else [])


async def correct_programmes(uow: Any, reference: str, matches: list[str], reason: str, actor: str,
                             actor_name: str | None = None) -> StaffResult:
    """Staff correct the programmes proposed to a request (add, remove, reorder), with a reason: the request's list
    becomes staff's (the exports and the page read it), the change is in the history with the reason."""
    reason = _clean(reason or "").strip()[:500]
    if not reason:
        return _fail("empty_text", T.NEED_PROGRAMMES_REASON)
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    matches = list(dict.fromkeys(m for m in matches if m))[:30]
    if matches == list(current.matches):
        return StaffResult(True, "unchanged", T.ALREADY_DONE, current)
    await store_inbox.set_matches(uow, current.reference, matches)
    await uow.log_event(current.reference, actor, "programmes_changed",
                        {"from": list(current.matches), "to": matches, "reason": reason,
                         **({"by": actor_name} if actor_name else {})})
    await uow.mark_staff_action(current.reference)
    return StaffResult(True, "ok", T.done_programmes(current.reference), await uow.get_request(current.reference))
