"""Replies through the outbox, for durable channels (issue 14).

:meth:`bot.dialogue.engine.Engine.handle` keeps returning its replies (stories and ``guichet chat`` print them). For a
*durable* channel (Telegram), it also queues them here, in the same unit of work that marks the update handled and
saves the state: so the replies of a turn exist exactly when the turn happened, and the channel's outbox sender
delivers them in order, retried on 429/5xx/network errors, across restarts.

Each reply becomes one outbox row:

* kind ``reply_confirmation`` when the text carries a request's reference (the confirmation of a filing, the
  answer to "where is my request"), kind ``reply`` otherwise (a question, buttons, a recap, an answer, an apology).
  Both are delivered *at least once* (issue 24): a send whose outcome is unknown is sent again. The rule is a property
  of the kind of message, in one place: :data:`DELIVERY_RULES` / :func:`at_least_once`, read by every outbox worker;
* ``meta``: ``request_contact``/``remove_keyboard`` (how to render it), ``edit_message_id`` when the reply is the
  pressed message's own question with new buttons (a multi-choice toggle: the channel edits that message in place).

When no earlier message of the chat is still waiting, the rows are written already *claimed* (leased) by the
channel that handles the update, which sends them right after the commit (fast path: no extra read; each row is
marked sent once Telegram acknowledged it, the marks of a turn in one write). Otherwise they are due at once and wait,
in order, behind the earlier ones (the sender never reorders a chat's messages). The channel learns which case
applies from the returned :class:`QueuedReplies`. A kind delivered at most once (:data:`AT_MOST_ONCE_KINDS`) written
on the fast path is recorded as delivered before it is sent (a crash right after the commit never sends it twice).
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

#: Channels whose replies go through the outbox (a channel registers itself with :func:`register_durable`).
DURABLE_CHANNELS: set[str] = {"telegram"}
#: How long rows written for the fast path stay leased to the process that wrote them (then any sender takes them).
CLAIM_LEASE = timedelta(seconds=120)
KIND_REPLY = "reply"
KIND_CONFIRMATION = "reply_confirmation"
#: The delivery rule of each kind of outbox message (issue 24), for every channel and every worker. ``at_least_once``:
#: a send whose outcome is unknown (read timeout, connection lost after sending) is sent again, in order, with
#: backoff: the person may see it twice, never zero times. ``at_most_once``: counted as delivered, for pure
#: acknowledgements that a later message repeats anyway. A kind not listed is at least once.
AT_LEAST_ONCE, AT_MOST_ONCE = "at_least_once", "at_most_once"
DELIVERY_RULES: dict[str, tuple[str, str]] = {
    # to the person (Telegram, and the web chat's transcript)
    KIND_REPLY: (AT_LEAST_ONCE, "a question, buttons, a recap, an answer, an apology: what the person needs to go on"),
    KIND_CONFIRMATION: (AT_LEAST_ONCE, "the confirmation of a filed request (its reference)"),
    "status_notice": (AT_LEAST_ONCE, "a status change of a request"),
    "staff_question": (AT_LEAST_ONCE, "a staff question to the mayor"),
    "relay_to_mayor": (AT_LEAST_ONCE, "a staff reply or closure relayed to the mayor"),
    "reminder": (AT_LEAST_ONCE, "asks whether to resume an unfinished request (buttons)"),
    # to the staff group
    "staff_new_request": (AT_LEAST_ONCE, "the new request's card (its buttons act on the request's state: either "
                                         "copy acts once)"),
    "staff_request_appended": (AT_LEAST_ONCE, "a staff note: the mayor added to a filed request"),
    "agent_request": (AT_LEAST_ONCE, "a mayor asks for a person"),
    "mayor_answer": (AT_LEAST_ONCE, "the mayor's answer to a staff question"),
    "relay_to_staff": (AT_LEAST_ONCE, "a mayor's message relayed to the staff"),
    "staff_update": (AT_LEAST_ONCE, "the edit of a request's card (applied twice, it changes nothing)"),
    "staff_digest": (AT_MOST_ONCE, "the daily list of waiting requests: a pure summary, the next digest and the "
                                   "cards repeat it"),
    # e-mail (web chat)
    "email_code": (AT_LEAST_ONCE, "the sign-in code (sent again with the same Message-ID)"),
    "email_notice": (AT_LEAST_ONCE, "a staff message to a person away from the page"),
}
AT_MOST_ONCE_KINDS: frozenset[str] = frozenset(k for k, (rule, _) in DELIVERY_RULES.items() if rule == AT_MOST_ONCE)


def at_least_once(kind: str | None) -> bool:
    """The delivery rule of a kind of message: True when a send with an unknown outcome is sent again."""
    return kind not in AT_MOST_ONCE_KINDS


#: A request's reference as the store writes it: ``{departement}-{year}-{seq:04d}`` ("90-2026-0042", "2A-2026-0001").
REFERENCE_RE = re.compile(r"\b((?:\d{2,3}|2[AB])-\d{4}-\d{4,})\b")


@dataclass(frozen=True)
class Pressed:
    """The message whose button was pressed (set by the channel around ``Engine.handle``)."""

    message_id: int | str
    text: str | None


#: Set by the channel while the engine handles a button press (a context variable: per task, no global state).
PRESSED: ContextVar[Pressed | None] = ContextVar("guichet_pressed_message", default=None)


class QueuedReplies(list):
    """The engine's replies, also queued in the outbox (``outbox`` = the rows, in order; ``claimed`` = written
    leased to the caller, who sends them now)."""

    outbox: list[Any]
    claimed: bool

    def __init__(self, replies: Iterable[Any], outbox: list[Any], claimed: bool) -> None:
        super().__init__(replies)
        self.outbox = outbox
        self.claimed = claimed


def register_durable(channel: str) -> None:
    DURABLE_CHANNELS.add(channel)


def is_queued(replies: Any) -> bool:
    return isinstance(replies, QueuedReplies)


def matters(text: str) -> bool:
    """A reply that must arrive: it carries a request's reference."""
    return bool(REFERENCE_RE.search(text or ""))


def _buttons(reply: Any) -> list[list[dict[str, str]]] | None:
    rows = [[{"label": b.label, "data": b.data} for b in row] for row in (reply.buttons or []) if row]
    return rows or None


async def queue_replies(uow: Any, event: Any, replies: list[Any], now: datetime | None = None) -> list[Any]:
    """Queue ``replies`` in the outbox of the event's chat, in this unit, when the channel is durable; returns them
    (as :class:`QueuedReplies` when queued)."""
    if getattr(event, "channel", None) not in DURABLE_CHANNELS or not replies:
        return replies
    from bot.store.models import OUTBOX_PENDING, OUTBOX_SENT, OutboxMessage

    now = now or datetime.now(timezone.utc)
    channel, chat_id = event.channel, str(event.chat_id)
    claimed = not await uow.chat_has_pending(channel, chat_id)
    due = now + CLAIM_LEASE if claimed else now
    key = event.update_key or f"noupdate:{uuid.uuid4().hex}"
    pressed = PRESSED.get()
    planned: list[dict[str, Any]] = []
    early: list[bool] = []
    for i, reply in enumerate(replies):
        found = REFERENCE_RE.search(reply.text or "")
        kind = KIND_CONFIRMATION if found else KIND_REPLY
        meta: dict[str, Any] = {}
        if reply.request_contact:
            meta["request_contact"] = True
        if reply.remove_keyboard:
            meta["remove_keyboard"] = True
        if (i == 0 and pressed is not None and reply.buttons and not reply.request_contact
                and not reply.remove_keyboard and pressed.text and pressed.text == reply.text):
            meta["edit_message_id"] = pressed.message_id
        planned.append(dict(kind=kind, channel=channel, chat_id=chat_id, text=reply.text or "…",
                            buttons=_buttons(reply), reference=found.group(1) if found else None, meta=meta,
                            dedup_key=f"reply:{channel}:{key}:{i}"[:255]))
        # A reply is delivered at least once: marked sent only once Telegram acknowledged it (a process dying
        # before that leaves it leased: taken back and sent again). Only an at-most-once kind would be recorded as
        # delivered before its send (none of the replies is one).
        early.append(claimed and not at_least_once(kind))
    ids = await uow.enqueue_many(planned, leased=claimed, sent=early, not_before=due)
    rows: list[Any] = []
    for m, sent in zip(planned, early):
        row_id = ids.get(m["dedup_key"])
        if row_id is None:  # already queued (cannot happen for a fresh update mark): nothing to send from here
            continue
        rows.append(OutboxMessage(id=row_id, status=OUTBOX_SENT if sent else OUTBOX_PENDING, attempts=0,
                                  next_attempt_at=due, created_at=now, sent_at=now if sent else None,
                                  leased_by=uow.store.worker_id if claimed else None, **m))
    return QueuedReplies(replies, rows, claimed)
