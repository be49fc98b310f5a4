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

This module holds :class:`StaffService`; the rest lives beside it and is importable from here as before:
:mod:`bot.staff.base` (``StaffResult``, text cleaning, limits), :mod:`bot.staff.operators` (operators and outcomes),
:mod:`bot.staff.buttons` (the group message's buttons, ``parse_callback``), :mod:`bot.staff.card` (``staff_summary``,
``actor_label``), :mod:`bot.staff.actions` (take charge, route, close, assign, notes) and :mod:`bot.staff.relay`
(questions to the mayor, the mayor's answers, relays between the person and staff).

Outbox rows written by the actions: ``staff_update`` (the request's group message refreshed; ``meta.edit_message_id``
is the message to edit when known), ``status_notice`` (to the mayor), ``staff_question`` (to the mayor;
``meta.awaiting``), ``mayor_answer`` (to the group), ``relay_to_staff`` (to the group; ``meta.relay_to`` = whom a
reply goes to), ``relay_to_mayor`` (to the mayor).

Callback data of the group message's buttons (<= 64 bytes): ``st:take:REF``, ``st:route:REF`` (opens the operator
choice), ``st:op:REF:KEY``, ``st:ask:REF``, ``st:close:REF`` (opens the outcome choice), ``st:cl:REF:t|s``,
``st:back:REF``. Parse with :func:`parse_callback`; never trust it further than that (the action re-checks the state).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from bot.store import attachments as _attachments
from bot.store.repository import StoreError, StoreUnavailable
from bot.staff import originals as _originals
from bot.staff.actions import (
    ACTIVE_ROUTE_STATUSES,
    _change_status,
    _notify_mayor,
    _refresh_staff_message,
    add_note,
    assign,
    close,
    console_agent_id,
    own_if_nobody,
    route,
    set_route_status,
    take_charge,
)
from bot.staff.base import MAX_NOTE_CHARS, MAX_RELAY_CHARS, StaffResult, _by, _clean, _digest, _fail, _who
from bot.staff.buttons import (
    CALLBACK_PREFIX,
    StaffCallback,
    close_buttons,
    operator_buttons,
    parse_callback,
    staff_buttons,
)
from bot.staff.card import (
    ORIGINAL_BUDGET,
    SUMMARY_BUDGET,
    TELEGRAM_MAX_CHARS,
    StaffSummary,
    _cut_u16,
    _u16,
    actor_label,
    staff_summary,
)
from bot.staff.operators import _fold, resolve_operator, resolve_outcome
from bot.staff.relay import (
    AWAIT_STEP,
    _await_answer,
    _status_before_waiting,
    ask_details,
    mayor_answer,
    relay_to_mayor,
    relay_to_staff,
)
from bot.texts import staff as T

# Re-exported: these names were defined here before the split and are imported from here (the group, the console,
# the dialogue engine, the tests).
__all__ = [
    "ACTIVE_ROUTE_STATUSES", "AWAIT_STEP", "CALLBACK_PREFIX", "MAX_NOTE_CHARS", "MAX_RELAY_CHARS", "ORIGINAL_BUDGET",
    "SUMMARY_BUDGET", "TELEGRAM_MAX_CHARS",
    "StaffCallback", "StaffResult", "StaffService", "StaffSummary",
    "actor_label", "add_note", "ask_details", "assign", "close", "close_buttons", "console_agent_id", "mayor_answer",
    "operator_buttons", "own_if_nobody", "parse_callback", "relay_to_mayor", "relay_to_staff", "resolve_operator",
    "resolve_outcome", "route", "set_route_status", "staff_buttons", "staff_summary", "take_charge",
    "_await_answer", "_by", "_change_status", "_clean", "_cut_u16", "_digest", "_fail", "_fold", "_notify_mayor",
    "_refresh_staff_message", "_status_before_waiting", "_u16", "_who",
]

log = logging.getLogger(__name__)


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
