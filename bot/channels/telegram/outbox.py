"""The Telegram outbox sender: delivers every message of the bot (replies to mayors, staff notifications, status
messages, relays, reminders), on top of the channel-independent :class:`bot.channels.outbox.OutboxWorker` (order per
chat, retries, at-least-once for what matters).

Rows are written by the engine and the staff service in the same transaction as the change that causes them; this
task claims due rows (a lease, so another worker does not take them meanwhile), sends them, and records the result:

* success → ``mark_sent`` with the Telegram ``message_id`` (and for a new request in the staff group,
  ``set_staff_message`` so that the group message is tied to its request);
* ``RetryAfter`` (429) → retried after the ``retry_after`` Telegram asked for;
* a network error *before* the request reached Telegram (connection refused, connect/pool timeout) or a 5xx answer
  → retried with exponential backoff (capped), forever: an outage loses nothing;
* ``Forbidden`` / ``BadRequest`` (blocked bot, chat not found…) → failed, with the error kept;
* an *ambiguous* error (the request was sent but no answer came back: read timeout, connection dropped; Telegram
  may or may not have got it) → an ``outbox_uncertain`` event, then the rule of the message's kind
  (``bot.dialogue.delivery.DELIVERY_RULES``): every message to a mayor (questions, buttons, recaps, answers,
  confirmations, status changes, staff questions and relays) and every card and note to the staff group is sent
  again (at least once: seen twice at worst; the buttons of both copies carry the same data and act once); only a
  pure acknowledgement (the daily digest) counts as delivered. See docs/operations.md §5.

A reply that is the pressed message's own question with new buttons (``meta.edit_message_id``, a multi-choice
toggle) is applied by editing that message's keyboard in place; when that message cannot be edited any more it is
sent as a new message. A long text is split; the parts already delivered are recorded (``meta.parts_done``) so that
a retry does not send them again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.channels.outbox import Ambiguous, OutboxWorker, Permanent, Transient, backoff  # noqa: F401 - re-export
from bot.channels.telegram.adapter import inline_keyboard, split_text
from bot.channels.telegram.plain import defuse
from bot.texts import telegram as T

log = logging.getLogger(__name__)

TELEGRAM_CHANNEL = "telegram"
STAFF_CHANNEL = "staff"
NO_STAFF_CHAT_DELAY = 300.0
#: Kinds whose group message is the request's staff message (buttons act on it).
STAFF_REQUEST_KINDS = frozenset({"staff_new_request"})
#: Kinds applied by editing the request's group message (sent as a new message when there is none).
EDIT_KINDS = frozenset({"staff_update"})

_NOT_SENT_CAUSES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def is_ambiguous(err: BaseException) -> bool:
    """True when the request may have reached Telegram (so a resend could duplicate the message)."""
    if not isinstance(err, NetworkError) or isinstance(err, (RetryAfter, BadRequest, ChatMigrated)):
        return False
    cause = err.__cause__
    if isinstance(cause, _NOT_SENT_CAUSES):
        return False
    if isinstance(err, TimedOut):
        # PTB raises TimedOut without an httpx cause for a pool timeout ("Request was *not* sent").
        return cause is not None or "not* sent" not in str(err)
    if isinstance(cause, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return True
    return False


class OutboxSender(OutboxWorker):
    channels = (TELEGRAM_CHANNEL, STAFF_CHANNEL)

    def __init__(self, bot: Any, store: Any, settings: Any, *, interval: float = 1.0, batch: int = 50,
                 read_timeout: float = 20.0, lease: timedelta = timedelta(seconds=120)) -> None:
        super().__init__(store, interval=interval, batch=batch, lease=lease)
        self.bot = bot
        self.settings = settings
        self.read_timeout = read_timeout

    # -- one row -----------------------------------------------------------------------------------------------------
    def _target_chat(self, row: Any) -> int | None:
        if row.channel == STAFF_CHANNEL:
            return self.settings.staff_chat_id
        try:
            return int(row.chat_id)
        except (TypeError, ValueError):
            return None

    async def send(self, row: Any) -> int | None:
        chat_id = self._target_chat(row)
        if chat_id is None:
            if row.channel == STAFF_CHANNEL:
                raise Transient("GUICHET_STAFF_CHAT_ID not set", NO_STAFF_CHAT_DELAY)
            raise Permanent("invalid chat id")
        try:
            return await self._send(chat_id, row)
        except RetryAfter as err:
            raise Transient("429 retry_after", _seconds(err.retry_after)) from None
        except (Forbidden, BadRequest, InvalidToken, ChatMigrated) as err:
            raise Permanent(f"{type(err).__name__}: {err}") from None
        except NetworkError as err:
            if is_ambiguous(err):
                raise Ambiguous(type(err).__name__) from None
            raise Transient(f"{type(err).__name__}: {err}") from None

    async def on_sent(self, row: Any, message_id: Any) -> None:
        if row.kind in STAFF_REQUEST_KINDS and row.reference and message_id is not None:
            await self.store.set_staff_message(row.reference, message_id)

    def _parts(self, row: Any) -> list[tuple[str, Any]]:
        """(text, reply_markup) of each message the row is made of, in order."""
        meta = row.meta or {}
        buttons = row.buttons or []
        chunks = split_text(self._text(row))
        parts: list[tuple[str, Any]] = []
        markup: Any = None
        if meta.get("request_contact"):
            # A reply keyboard: the contact button, then the choices as plain-text buttons (their labels are
            # understood by the engine when typed, e.g. "Passer").
            rows = [[KeyboardButton(T.CONTACT_BUTTON, request_contact=True)]]
            rows += [[KeyboardButton(str(b.get("label", ""))[:64]) for b in r] for r in buttons if r]
            markup = ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
        elif buttons:
            markup = inline_keyboard(buttons)
            if meta.get("remove_keyboard"):
                # One markup per message: close the phone keyboard first, then show the inline buttons.
                parts.append((T.KEYBOARD_CLOSED, ReplyKeyboardRemove()))
        elif meta.get("remove_keyboard"):
            markup = ReplyKeyboardRemove()
        for i, chunk in enumerate(chunks):
            parts.append((chunk, markup if i == len(chunks) - 1 else None))
        return parts

    async def _send(self, chat_id: int, row: Any) -> int:
        meta = row.meta if row.meta is not None else {}
        if row.kind in EDIT_KINDS:
            edited = await self._edit(chat_id, row, inline_keyboard(row.buttons or []))
            if edited is not None:
                return edited
        elif meta.get("edit_message_id") and not meta.get("parts_done"):
            edited = await self._edit_markup(chat_id, row)
            if edited is not None:
                return edited
        reply_to = meta.get("reply_to_message_id")
        parts = self._parts(row)
        done = int(meta.get("parts_done") or 0)
        last_id = int(meta.get("last_message_id") or 0)
        for i, (text, markup) in enumerate(parts):
            if i < done:
                continue
            message = await self.bot.send_message(
                chat_id, text, reply_markup=markup, read_timeout=self.read_timeout,
                reply_to_message_id=int(reply_to) if reply_to and i == 0 and str(reply_to).isdigit() else None,
                allow_sending_without_reply=True,
            )
            last_id = message.message_id
            if len(parts) > 1 and i < len(parts) - 1:
                meta["parts_done"] = i + 1  # kept by the worker if a later part fails
                meta["last_message_id"] = last_id
                row.meta = meta
        if row.kind in EDIT_KINDS and row.reference:
            # No group message to edit (unknown or deleted): the one just sent becomes the request's message.
            await self.store.set_staff_message(row.reference, last_id)
        # The message carrying the buttons (the last part) is the one staff act on and reply to.
        return last_id

    async def _edit_markup(self, chat_id: int, row: Any) -> int | None:
        """A multi-choice toggle: new buttons on the pressed message; None when it cannot be edited (send anew)."""
        target = str((row.meta or {}).get("edit_message_id"))
        if not target.isdigit():
            return None
        try:
            await self.bot.edit_message_reply_markup(chat_id, int(target), reply_markup=inline_keyboard(
                row.buttons or []), read_timeout=self.read_timeout)
        except BadRequest as err:
            text = str(err).lower()
            if "not modified" in text:
                return int(target)
            log.info("outbox %s: the pressed message cannot be edited (%s): sent anew", row.id, type(err).__name__)
            return None
        return int(target)

    @staticmethod
    def _text(row: Any) -> str:
        """The staff group's messages quote what mayors typed: no mention, no tg:// link (see plain.defuse)."""
        text = row.text or "…"
        return defuse(text) if row.channel == STAFF_CHANNEL else text

    async def _edit(self, chat_id: int, row: Any, markup: Any) -> int | None:
        """Apply a ``staff_update`` by editing the request's group message; None when there is none to edit."""
        target = (row.meta or {}).get("edit_message_id")
        if row.reference:
            # The freshest known message id wins (the row may have been queued before the first message was sent).
            record = await self.store.get_request(row.reference)
            if record is not None and record.staff_message_id:
                target = record.staff_message_id
        if not target or not str(target).isdigit():
            return None
        text = split_text(self._text(row))[0]
        if row.channel == STAFF_CHANNEL and row.buttons:
            # A sub-menu open on the card (« Orienter vers… », « Clore ») stays under the staff member's finger.
            from bot.channels.telegram.staff import open_menu_rows

            kept = await open_menu_rows(self.store, row.reference, target)
            if kept is not None:
                markup = inline_keyboard(kept)
        try:
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=int(target), reply_markup=markup,
                                             read_timeout=self.read_timeout)
        except BadRequest as err:
            if "not modified" in str(err).lower():
                return int(target)
            if "not found" in str(err).lower() or "can't be edited" in str(err).lower():
                return None
            raise
        return int(target)


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0
