"""Between the person and staff: a question to the mayor (their conversation then awaits the answer), the mayor's
answer back to staff, a person's ``/agent`` message to staff and a staff message to the person.

Outbox rows written here: ``staff_question`` (to the mayor; ``meta.awaiting``), ``mayor_answer`` (to the group),
``relay_to_staff`` (to the group; ``meta.relay_to`` = whom a reply goes to), ``relay_to_mayor`` (to the mayor).
"""

from __future__ import annotations

from typing import Any

from bot.store.models import (
    CLOSED_STATUSES,
    EN_ATTENTE,
    EN_COURS,
    ORIENTEE,
    STAFF_CHANNEL,
    STAFF_CHAT,
    ConversationState,
    RequestRecord,
)
from bot.store.repository import ConcurrentUpdate
from bot.staff.actions import _refresh_staff_message, own_if_nobody
from bot.staff.base import MAX_RELAY_CHARS, StaffResult, _clean, _digest, _fail, _who
from bot.texts import staff as T

#: Step given to a mayor's conversation created only to await an answer (the engine's main menu).
AWAIT_STEP = "menu"


async def ask_details(uow: Any, reference: str, question: str, actor: str, actor_name: str | None = None) -> StaffResult:
    """Status ``en_attente``; the question is relayed to the mayor, whose conversation then awaits the answer
    (``data["awaiting"] = {"reference", "question"}``, read by the dialogue engine)."""
    question = _clean(question).strip()[:MAX_RELAY_CHARS]
    if not question:
        return _fail("empty_text", T.EMPTY_TEXT)
    found = await uow.get_request(reference)
    if found is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    # Lock order everywhere: the chat, then the request (the engine handling the mayor's message does the same).
    await uow.lock_chat(found.channel, found.chat_id)
    current = await uow.get_request(found.reference, for_update=True)
    if current is None:  # pragma: no cover - requests are never deleted
        return _fail("unknown_reference", T.unknown_reference(reference))
    if current.status in CLOSED_STATUSES:
        return _fail("illegal_transition", T.illegal_transition(current.reference, current.status, EN_ATTENTE), current)
    key = f"ask:{current.reference}:{_digest(question)}"
    mid = await uow.enqueue(
        "staff_question", current.channel, current.chat_id, T.mayor_question(current.reference, question), None,
        current.reference, dedup_key=key, meta={"awaiting": current.reference},
    )
    if mid is None:  # the same question was already sent: a double tap
        return StaffResult(True, "unchanged", T.ALREADY_DONE, current)
    event = await uow.log_event(current.reference, actor, "question", {"text": question, **({"by": actor_name} if actor_name else {})})
    record = current
    if current.status != EN_ATTENTE:
        record = await uow.set_status(current.reference, EN_ATTENTE, actor, extra={"by": actor_name} if actor_name else None)
        event = (await uow.history(record.reference))[-1]
    await _await_answer(uow, record, question)
    await own_if_nobody(uow, record.reference, actor, actor_name)  # issue 26: the answer stays in their view
    await uow.mark_staff_action(record.reference)
    sid = await _refresh_staff_message(uow, record, event, actor_name)
    ids = [i for i in (mid, sid) if i is not None]
    return StaffResult(True, "ok", T.done_asked(record.reference, _who(actor, actor_name)), record, ids)


async def _await_answer(uow: Any, record: RequestRecord, question: str) -> None:
    """Mark the mayor's conversation as awaiting an answer for ``record`` (created if absent)."""
    for _ in range(2):
        conv = await uow.get_conversation(record.channel, record.chat_id)
        if conv is None:
            conv = ConversationState(channel=record.channel, chat_id=record.chat_id, user_id=record.user_id,
                                     step=AWAIT_STEP, data={})
        data = dict(conv.data or {})
        data["awaiting"] = {"reference": record.reference, "question": question[:500]}
        try:
            await uow.save_conversation(conv.model_copy(update={"data": data}))
            return
        except ConcurrentUpdate:  # pragma: no cover - created meanwhile on PostgreSQL; read it again
            continue


async def mayor_answer(uow: Any, reference: str, text: str, actor: str | None = None) -> StaffResult:
    """The mayor's answer: attached to the request, relayed to the staff group, status back to the one
    it had before staff asked (``en_cours`` or ``orientee``)."""
    text = _clean(text).strip()[:MAX_RELAY_CHARS]
    if not text:
        return _fail("empty_text", T.EMPTY_TEXT)
    current = await uow.get_request(reference, for_update=True)
    if current is None:
        return _fail("unknown_reference", T.unknown_reference(reference))
    actor = actor or f"{current.channel}:{current.user_id}"
    event = await uow.append_to_request(current.reference, text, actor)
    record = current
    if current.status == EN_ATTENTE:
        back = await _status_before_waiting(uow, current.reference)
        record = await uow.set_status(current.reference, back, actor, extra={"reason": "mayor_answer"})
        event = (await uow.history(record.reference))[-1]
    sid = await uow.enqueue(
        "mayor_answer", STAFF_CHANNEL, STAFF_CHAT, T.staff_mayor_answer(record.reference, record.commune_name, text),
        None, record.reference, dedup_key=f"answer:{record.reference}:{event.id}",
        meta={"relay_to": {"channel": record.channel, "chat_id": record.chat_id, "user_id": record.user_id},
              "reply_to_message_id": record.staff_message_id},
    )
    rid = await _refresh_staff_message(uow, record, event, None)
    return StaffResult(True, "ok", T.done_relayed(record.reference), record, [i for i in (sid, rid) if i is not None])


async def _status_before_waiting(uow: Any, reference: str) -> str:
    """Where a request goes back when the mayor answers: ``orientee`` if it was routed before the question was
    asked, else ``en_cours``."""
    for ev in reversed(await uow.history(reference)):
        if ev.kind == "status" and ev.data.get("to") == EN_ATTENTE:
            return ORIENTEE if ev.data.get("from") == ORIENTEE else EN_COURS
    return EN_COURS


async def relay_to_staff(
    uow: Any,
    channel: str,
    chat_id: str | int,
    user_id: str | int,
    text: str,
    *,
    name: str | None = None,
    commune: str | None = None,
    reference: str | None = None,
    dedup_key: str | None = None,
) -> StaffResult:
    """A mayor's ``/agent`` message, relayed to the staff group; a staff reply to it goes back (``meta.relay_to``)."""
    text = _clean(text).strip()[:MAX_RELAY_CHARS]
    if not text:
        return _fail("empty_text", T.EMPTY_TEXT)
    actor = f"{channel}:{user_id}"
    if reference:
        current = await uow.get_request(reference)
        reference = current.reference if current is not None and current.is_open else None
    # issue 26: the text is kept where the console shows it (the request, or « Personnes en attente »)
    event = await uow.log_event(reference, actor, "relay_to_staff",
                                {"channel": channel, "chars": len(text), **({"text": text} if reference else {})})
    if not reference:
        from bot.store.inbox import add_waiting

        await add_waiting(uow, channel=channel, chat_id=str(chat_id), user_id=str(user_id), kind="relay_to_staff",
                          text=text, name=name, commune=commune)
    key = dedup_key or f"relay-staff:{channel}:{chat_id}:{event.id}"
    oid = await uow.enqueue(
        "relay_to_staff", STAFF_CHANNEL, STAFF_CHAT,
        T.staff_relay_from_mayor(T.staff_relay_who(name, commune, reference), text), None, reference,
        dedup_key=key, meta={"relay_to": {"channel": channel, "chat_id": str(chat_id), "user_id": str(user_id)}},
    )
    return StaffResult(True, "ok" if oid else "unchanged", T.done_relayed(reference), None, [oid] if oid else [])


async def relay_to_mayor(
    uow: Any,
    text: str,
    actor: str,
    *,
    reply_to_message_id: str | int | None = None,
    reference: str | None = None,
    dedup_key: str | None = None,
) -> StaffResult:
    """A staff message to a mayor: the target is the author of the group message replied to (a relay, a mayor's
    answer, or a request's message), or the request ``reference``."""
    text = _clean(text).strip()[:MAX_RELAY_CHARS]
    if not text:
        return _fail("empty_text", T.EMPTY_TEXT)
    target: dict[str, str] | None = None
    record: RequestRecord | None = None
    if reply_to_message_id is not None:
        row = await uow.find_outbox_by_sent_message(STAFF_CHANNEL, reply_to_message_id)
        if row is not None and isinstance(row.meta.get("relay_to"), dict):
            target = row.meta["relay_to"]
            reference = reference or row.reference
        if target is None:
            record = await uow.find_request_by_staff_message(reply_to_message_id)
    if target is None and record is None and reference:
        record = await uow.get_request(reference)
        if record is None:
            return _fail("unknown_reference", T.unknown_reference(reference))
    if record is not None:
        target = {"channel": record.channel, "chat_id": record.chat_id, "user_id": record.user_id}
        reference = record.reference
    if not target or not target.get("chat_id"):
        return _fail("no_target", T.NO_RELAY_TARGET)
    event = await uow.log_event(reference, actor, "relay_to_mayor",
                                {"channel": target.get("channel"), "chars": len(text)})
    key = dedup_key or f"relay-mayor:{target.get('channel')}:{target['chat_id']}:{event.id}"
    oid = await uow.enqueue(
        "relay_to_mayor", str(target.get("channel") or "telegram"), str(target["chat_id"]),
        T.mayor_message_from_staff(text), None, reference, dedup_key=key,
    )
    return StaffResult(True, "ok" if oid else "unchanged", T.done_relayed(reference), record, [oid] if oid else [])
