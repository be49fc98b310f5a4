"""Staff actions, transport-free.

Each action is one transaction that changes the request, logs the event (who and when) and enqueues the mayor's
notification and the refreshed staff-group message, with deterministic ``dedup_key``s: a double tap or a redelivered
update does nothing twice. Actions never raise to the caller: an unknown reference, an illegal transition, an unknown
operator or an unavailable database come back as a :class:`StaffResult` with ``ok=False`` and a French message for the
staff group.

Two layers:

* module functions taking a unit of work (``await take_charge(uow, ref, actor)``), to compose inside a transaction
  the caller already holds (the dialogue engine calls :func:`mayor_answer` this way);
* :class:`StaffService` (``StaffService(store).take_charge(ref, actor, update_key=...)``) which opens the unit,
  marks the update handled in the same transaction, and maps store errors to results.

Outbox rows written here: ``staff_update`` (the request's group message refreshed; ``meta.edit_message_id`` is the
message to edit when known), ``status_notice`` (to the mayor), ``staff_question`` (to the mayor; ``meta.awaiting``),
``mayor_answer`` (to the group), ``relay_to_staff`` (to the group; ``meta.relay_to`` = whom a reply goes to),
``relay_to_mayor`` (to the mayor).

Callback data of the group message's buttons (<= 64 bytes): ``st:take:REF``, ``st:route:REF`` (opens the operator
choice), ``st:op:REF:KEY``, ``st:ask:REF``, ``st:close:REF`` (opens the outcome choice), ``st:cl:REF:t|s``,
``st:back:REF``. Parse with :func:`parse_callback`; never trust it further than that (the action re-checks the state).
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from bot.store.models import (
    ROUTE_PRISE_EN_CHARGE,
    ROUTE_STATUSES,
    ROUTE_TRANSMISE,
    CLOSE_SANS_SUITE,
    CLOSED_STATUSES,
    EN_ATTENTE,
    EN_COURS,
    ORIENTEE,
    STAFF_CHANNEL,
    STAFF_CHAT,
    TRAITEE,
    ConversationState,
    EventRecord,
    RequestRecord,
)
from bot.store import attachments as _attachments
from bot.store.repository import ConcurrentUpdate, IllegalTransition, RequestNotFound, StoreError, StoreUnavailable
from bot.staff import names as _names
from bot.staff import originals as _originals
from bot.texts import files as TF
from bot.texts import staff as T

log = logging.getLogger(__name__)

TELEGRAM_MAX_CHARS = 4096
#: Room kept for the summary's own lines when the need is truncated.
SUMMARY_BUDGET = 4000
#: Room for the person's original message on the staff card (the whole is on the request page).
ORIGINAL_BUDGET = 800
CALLBACK_PREFIX = "st"
MAX_RELAY_CHARS = 3500
#: Routes still with the operator (routing there again changes nothing).
ACTIVE_ROUTE_STATUSES = frozenset({ROUTE_TRANSMISE, ROUTE_PRISE_EN_CHARGE})
MAX_NOTE_CHARS = 5000
#: Step given to a mayor's conversation created only to await an answer (the engine's main menu).
AWAIT_STEP = "menu"


# --- results ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffResult:
    ok: bool
    code: str  # ok | unchanged | unknown_reference | illegal_transition | unknown_operator | empty_text |
    #            unknown_outcome | no_target | already_handled | unavailable
    message: str  # French, for the staff group
    record: RequestRecord | None = None
    outbox_ids: list[int] = field(default_factory=list)


def _fail(code: str, message: str, record: RequestRecord | None = None) -> StaffResult:
    return StaffResult(ok=False, code=code, message=message, record=record)


# --- operators and outcomes -------------------------------------------------------------------------------------------
def _fold(value: str) -> str:
    value = unicodedata.normalize("NFKD", value or "")
    value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(value.lower().replace("-", " ").replace("_", " ").split())


_OPERATOR_ALIASES: dict[str, str] = {}
for _key, _label in T.OPERATORS.items():
    _OPERATOR_ALIASES[_fold(_key)] = _key
    _OPERATOR_ALIASES[_fold(_label)] = _key
_OPERATOR_ALIASES.update({"banque des territoires": "bdt", "cdc": "bdt", "anct": "anct", "autre": "autre"})


def resolve_operator(value: str) -> tuple[str, str] | None:
    """``"Ademe"``, ``"ademe"``, ``"bdt"``, ``"Banque des Territoires"`` → ``(key, label)``; None if unknown."""
    key = _OPERATOR_ALIASES.get(_fold(value))
    return (key, T.OPERATORS[key]) if key else None


def resolve_outcome(value: str) -> str | None:
    v = _fold(value)
    if v in {"traitee", "t", "done", "traite", "ok"}:
        return TRAITEE
    if v in {"close sans suite", "sans suite", "s", "drop", "close", "abandon"}:
        return CLOSE_SANS_SUITE
    return None


# --- the staff-group message ------------------------------------------------------------------------------------------
class StaffSummary(str):
    """The text of a request's staff-group message (a ``str``), with its ``buttons`` attached."""

    buttons: list[list[dict[str, str]]]

    def __new__(cls, text: str, buttons: list[list[dict[str, str]]]) -> "StaffSummary":
        obj = super().__new__(cls, text)
        obj.buttons = buttons
        return obj

    @property
    def text(self) -> str:
        return str.__str__(self)


def _fmt_when(ev: EventRecord) -> str:
    try:
        from zoneinfo import ZoneInfo

        return ev.at.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")
    except Exception:  # noqa: BLE001
        return ev.at.strftime("%d/%m/%Y %H:%M UTC")


def staff_summary(
    record: RequestRecord,
    *,
    last_event: EventRecord | None = None,
    theme_labels: dict[str, str] | None = None,
    offer_names: dict[str, str] | None = None,
    max_chars: int = SUMMARY_BUDGET,
    original: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> StaffSummary:
    """The staff-group message of a request: commune, person and role, need, themes, best offers, reference, status
    and who acted last. Plain text (send without parse mode); the need is truncated so the whole fits ``max_chars``
    (below Telegram's 4 096)."""
    names = _names.current()
    theme_labels = theme_labels or names.themes
    offer_names = offer_names or names.offers
    commune = record.commune_name or T.UNKNOWN_COMMUNE
    if record.commune_code:
        commune += f" ({record.commune_code})"
    role = names.role(record.role)
    person = ", ".join(p for p in (record.contact_name, role) if p) or "—"
    details: list[str] = []
    contact = " · ".join(p for p in (record.phone, record.email) if p)
    if contact:
        details.append(T.detail_line(T.DETAIL_CONTACT, contact))
    if record.stage:
        details.append(T.detail_line(T.DETAIL_STAGE, names.stage(record.stage)))
    if record.help_kinds:
        details.append(T.detail_line(T.DETAIL_HELP, ", ".join(names.help_kind(h) for h in record.help_kinds)))
    if record.budget:
        details.append(T.detail_line(T.DETAIL_BUDGET, record.budget))
    if record.timing:
        details.append(T.detail_line(T.DETAIL_TIMING, record.timing))
    if record.assigned_to:
        details.append(T.detail_line(T.DETAIL_ASSIGNED, record.assigned_to))
    if attachments:  # issue 20: the files kept with the request, by name and size (downloaded in the console)
        details.append(T.detail_line(TF.STAFF_LABEL, ", ".join(TF.named(a["name"], a["size"]) for a in attachments)))
    themes = ", ".join(theme_labels.get(t, t) for t in record.themes)
    offers = ", ".join(offer_names.get(o, o) for o in record.matches[:3])
    last = None
    if last_event is not None:
        last = T.last_action(actor_label(last_event, record), _fmt_when(last_event))
    fields = dict(
        reference=record.reference,
        commune=commune,
        person=person,
        themes=themes,
        offers=offers,
        details=[d[:300] for d in details],
        status=T.status_label(record.status, record.operator),
        last_action=last,
        link=names.request_url(record.reference),
    )
    need = _clean(record.description)
    if _originals.worth_showing(original, record.description):
        # the person's words, as typed (greeting and « je suis maire de … » included), shorter than the need's room
        said = _clean(original)
        if _u16(said) > ORIGINAL_BUDGET:
            said = _cut_u16(said, ORIGINAL_BUDGET - 1).rstrip() + "…"
        fields["original"] = said
    text = T.summary(need=need, **fields)
    if _u16(text) > max_chars:
        room = max_chars - _u16(T.summary(need="", **fields)) - _u16(T.TRUNCATED) - 2
        text = T.summary(need=_cut_u16(need, room).rstrip() + "\n" + T.TRUNCATED, **fields)
    return StaffSummary(_cut_u16(text, max_chars), staff_buttons(record))


def actor_label(event: EventRecord, record: RequestRecord | None = None, agents: dict[int, str] | None = None) -> str:
    """Who did ``event``, in words, for the Telegram group and the console alike: the staff member's name
    (``data.by``), a console agent's name (``console:<id>``, from ``agents``), the person who filed the request (their
    name) for their own messages, « le guichet » for the system; never ``telegram:5001``."""
    by = event.data.get("by") if isinstance(event.data, dict) else None
    if by:
        return str(by)
    actor = str(event.actor or "")
    kind, _, ident = actor.partition(":")
    if kind == "console" and ident.isdigit():
        return (agents or {}).get(int(ident)) or T.CONSOLE_AGENT_WHO
    if record is not None and actor == f"{record.channel}:{record.user_id}":
        return record.contact_name or T.MAYOR_WHO
    if actor in ("system", "jobs", "cli", "") or actor.startswith("system"):
        return T.SYSTEM_WHO
    if ident.lstrip("-").isdigit():  # an id, not a name
        return T.STAFF_WHO
    return actor


def _u16(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut_u16(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` UTF-16 code units."""
    if limit <= 0:
        return ""
    if _u16(text) <= limit:
        return text
    out = text[:limit]  # at most ``limit`` characters, each >= 1 unit
    while _u16(out) > limit:
        excess = _u16(out) - limit
        out = out[: len(out) - max(1, excess // 2)]
    return out


def _clean(text: str | None) -> str:
    """Drop control characters (keep newlines and tabs) from text typed by a mayor."""
    if not text:
        return ""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")


def _cb(action: str, reference: str, arg: str | None = None) -> str:
    data = f"{CALLBACK_PREFIX}:{action}:{reference}" + (f":{arg}" if arg else "")
    assert len(data.encode()) <= 64
    return data


def staff_buttons(record: RequestRecord) -> list[list[dict[str, str]]]:
    """The action buttons of a request's group message (none once it is closed)."""
    if record.status in CLOSED_STATUSES:
        return []
    ref = record.reference
    return [
        [{"label": T.BTN_TAKE, "data": _cb("take", ref)}, {"label": T.BTN_ROUTE, "data": _cb("route", ref)}],
        [{"label": T.BTN_ASK, "data": _cb("ask", ref)}, {"label": T.BTN_CLOSE, "data": _cb("close", ref)}],
    ]


def operator_buttons(reference: str) -> list[list[dict[str, str]]]:
    items = [{"label": label, "data": _cb("op", reference, key)} for key, label in T.OPERATORS.items()]
    rows = [items[i : i + 2] for i in range(0, len(items), 2)]
    rows.append([{"label": T.BTN_BACK, "data": _cb("back", reference)}])
    return rows


def close_buttons(reference: str) -> list[list[dict[str, str]]]:
    return [
        [{"label": T.BTN_CLOSE_DONE, "data": _cb("cl", reference, "t")},
         {"label": T.BTN_CLOSE_DROP, "data": _cb("cl", reference, "s")}],
        [{"label": T.BTN_BACK, "data": _cb("back", reference)}],
    ]


@dataclass(frozen=True)
class StaffCallback:
    action: str  # take | route | op | ask | close | cl | back
    reference: str
    arg: str | None = None


_CALLBACK_ACTIONS = {"take": 0, "route": 0, "ask": 0, "close": 0, "back": 0, "op": 1, "cl": 1}


def parse_callback(data: str | None) -> StaffCallback | None:
    """Parse a staff button's data; None for anything that is not exactly one of ours."""
    if not data or len(data.encode("utf-8", "ignore")) > 64:
        return None
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != CALLBACK_PREFIX or parts[1] not in _CALLBACK_ACTIONS:
        return None
    action, ref, rest = parts[1], parts[2], parts[3:]
    if len(rest) != _CALLBACK_ACTIONS[action] or not _looks_like_reference(ref):
        return None
    arg = rest[0] if rest else None
    if action == "op" and arg not in T.OPERATORS:
        return None
    if action == "cl" and arg not in ("t", "s"):
        return None
    return StaffCallback(action, ref, arg)


def _looks_like_reference(ref: str) -> bool:
    parts = ref.split("-")
    return (
        len(parts) == 3
        and 2 <= len(parts[0]) <= 3
        and parts[0].isalnum()
        and parts[1].isdigit()
        and len(parts[1]) == 4
        and parts[2].isdigit()
    )


# --- helpers ----------------------------------------------------------------------------------------------------------
def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


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


def _who(actor: str, by: str | None) -> str:
    return by or actor


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
def _by(data: dict[str, Any], actor_name: str | None) -> dict[str, Any]:
    """An event's data with ``by`` (the acting person's name) when known."""
    return {**data, "by": actor_name} if actor_name else data


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


# --- the service: one unit per action ---------------------------------------------------------------------------------
class StaffService:
    """Opens one unit per action (with the update mark when given) and never raises to the caller."""

    def __init__(self, store: Any) -> None:
        self.store = store

    async def _run(self, update_key: str | None, fn: Callable[..., Awaitable[StaffResult]], *args: Any,
                   **kwargs: Any) -> StaffResult:
        try:
            async with self.store.unit() as uow:
                if update_key is not None and not await uow.mark_update_handled(update_key):
                    return StaffResult(True, "already_handled", T.ALREADY_DONE)
                return await fn(uow, *args, **kwargs)
        except StoreUnavailable:
            return _fail("unavailable", T.UNAVAILABLE)
        except StoreError as exc:
            log.warning("staff action %s failed: %s", getattr(fn, "__name__", fn), type(exc).__name__)
            return _fail("unavailable", T.UNAVAILABLE)

    async def take_charge(self, reference: str, actor: str, actor_name: str | None = None, *,
                          update_key: str | None = None, agent_id: int | None = None) -> StaffResult:
        return await self._run(update_key, take_charge, reference, actor, actor_name, agent_id)

    async def assign(self, reference: str, agent_id: int, agent_name: str, actor: str,
                     actor_name: str | None = None, *, update_key: str | None = None) -> StaffResult:
        return await self._run(update_key, assign, reference, agent_id, agent_name, actor, actor_name)

    async def set_route_status(self, reference: str, operator: str, status: str, actor: str,
                               actor_name: str | None = None, *, update_key: str | None = None) -> StaffResult:
        return await self._run(update_key, set_route_status, reference, operator, status, actor, actor_name)

    async def add_note(self, reference: str, text: str, actor: str, actor_name: str | None = None, *,
                       update_key: str | None = None, visibility: str | None = None,
                       for_operator: str | None = None) -> StaffResult:
        return await self._run(update_key, add_note, reference, text, actor, actor_name, visibility, for_operator)

    async def route(self, reference: str, operator: str, actor: str, actor_name: str | None = None, *,
                    update_key: str | None = None) -> StaffResult:
        return await self._run(update_key, route, reference, operator, actor, actor_name)

    async def ask_details(self, reference: str, question: str, actor: str, actor_name: str | None = None, *,
                          update_key: str | None = None) -> StaffResult:
        return await self._run(update_key, ask_details, reference, question, actor, actor_name)

    async def mayor_answer(self, reference: str, text: str, actor: str | None = None, *,
                           update_key: str | None = None) -> StaffResult:
        return await self._run(update_key, mayor_answer, reference, text, actor)

    async def close(self, reference: str, outcome: str, actor: str, note: str | None = None,
                    actor_name: str | None = None, *, update_key: str | None = None) -> StaffResult:
        return await self._run(update_key, close, reference, outcome, actor, note, actor_name)

    async def relay_to_staff(self, channel: str, chat_id: str | int, user_id: str | int, text: str, *,
                             update_key: str | None = None, **kwargs: Any) -> StaffResult:
        return await self._run(update_key, relay_to_staff, channel, chat_id, user_id, text, **kwargs)

    async def relay_to_mayor(self, text: str, actor: str, *, update_key: str | None = None,
                             **kwargs: Any) -> StaffResult:
        return await self._run(update_key, relay_to_mayor, text, actor, **kwargs)

    # --- issue 26 ---
    async def run(self, fn: Callable[..., Awaitable[StaffResult]], *args: Any, update_key: str | None = None,
                  **kwargs: Any) -> StaffResult:
        """Any action on a unit of work (``bot.staff.conversation.reply``…) in its own unit, never raising."""
        return await self._run(update_key, fn, *args, **kwargs)

    async def summary(self, reference: str, **labels: Any) -> StaffSummary | None:
        """The current group message of a request (with its last event), or None if unknown."""
        try:
            async with self.store.unit(readonly=True) as uow:
                record = await uow.get_request(reference)
                if record is None:
                    return None
                history = await uow.history(record.reference)
                files = await _attachments.list_for(uow, record.reference)
        except StoreError:
            return None
        acts = [e for e in history if e.kind != "staff_menu"]  # opening a sub-menu is not an action on the request
        return staff_summary(record, last_event=acts[-1] if acts else None,
                             original=_originals.original_need(history), attachments=files, **labels)
