"""Staff side: the staff group's buttons, replies and commands.

Actions go through the transport-free staff service (``bot.staff.service``), which changes the status, logs who did
what and queues the mayor's notification in the outbox, in one transaction. This module only does Telegram:
checking who may act, editing the group message to show the new status and who acted, ForceReply prompts, relays.

Staff button data (≤ 64 bytes, never trusted: parsed strictly, the reference is checked against the database):
``s:take:REF``, ``s:route:REF`` (shows the operators), ``s:op:REF:CODE``, ``s:ask:REF``, ``s:close:REF`` (shows the
outcomes), ``s:done:REF``, ``s:drop:REF``, ``s:back:REF``.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.channels.telegram.adapter import ChatLocks, _answer, parse_command, split_text
from bot.texts import telegram as T

log = logging.getLogger(__name__)

STAFF_CHANNEL = "staff"
#: Commands that only staff may use, and only in the staff group.
STAFF_COMMANDS = frozenset({"demandes", "demande", "export", "stats"})
_REF = r"[0-9]{2,3}[AB0-9]?-[0-9]{4}-[0-9]{3,6}"
REF_RE = re.compile(rf"\b({_REF})\b", re.IGNORECASE)
_DATA_RE = re.compile(rf"^s:(take|route|ask|close|done|drop|back|op):({_REF})(?::([a-z]{{2,10}}))?$")
STATUS_MARK = "\n\n— "
ASK_MARK = "❓ "


def staff_keyboard(reference: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(T.STAFF_TAKE, callback_data=f"s:take:{reference}"),
         InlineKeyboardButton(T.STAFF_ROUTE, callback_data=f"s:route:{reference}")],
        [InlineKeyboardButton(T.STAFF_ASK, callback_data=f"s:ask:{reference}"),
         InlineKeyboardButton(T.STAFF_CLOSE, callback_data=f"s:close:{reference}")],
    ])


def staff_buttons(reference: str) -> list[list[dict[str, str]]]:
    """The same keyboard as outbox ``buttons`` rows (for whoever queues the staff notification)."""
    return [[{"label": b.text, "data": b.callback_data} for b in row]  # type: ignore[misc]
            for row in staff_keyboard(reference).inline_keyboard]


def operators_keyboard(reference: str) -> InlineKeyboardMarkup:
    rows, row = [], []
    for code, label in T.OPERATORS:
        row.append(InlineKeyboardButton(label, callback_data=f"s:op:{reference}:{code}"))
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append([InlineKeyboardButton(T.STAFF_BACK, callback_data=f"s:back:{reference}")])
    return InlineKeyboardMarkup(rows)


def close_keyboard(reference: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(T.STAFF_CLOSE_DONE, callback_data=f"s:done:{reference}"),
         InlineKeyboardButton(T.STAFF_CLOSE_NO_FOLLOW_UP, callback_data=f"s:drop:{reference}")],
        [InlineKeyboardButton(T.STAFF_BACK, callback_data=f"s:back:{reference}")],
    ])


def parse_staff_data(data: str | None) -> tuple[str, str, str | None] | None:
    """``"s:op:90-2026-0042:ademe"`` → ``("op", "90-2026-0042", "ademe")``; None for anything else."""
    if not data or len(data.encode("utf-8")) > 64:
        return None
    m = _DATA_RE.match(data)
    if not m:
        return None
    action, ref, arg = m.group(1), m.group(2).upper(), m.group(3)
    if (action == "op") != (arg is not None):
        return None
    if action == "op" and T.operator_label(arg or "") is None:
        return None
    return action, ref, arg


def who(user: Any) -> str:
    """How staff see each other in the group (a staff member's first name, else their id)."""
    if user is None:
        return "?"
    name = (user.full_name or "").strip()
    return name or f"id {user.id}"


def actor_id(user: Any) -> str:
    return f"tg:{user.id}" if user is not None else "tg:?"


def status_label(status: str) -> str:
    try:
        from bot.texts import staff as staff_texts

        labels = getattr(staff_texts, "STATUS_LABELS", None)
        if isinstance(labels, dict) and status in labels:
            return str(labels[status])
    except Exception:  # noqa: BLE001
        pass
    return status


class StaffHandler:
    def __init__(self, guichet: Any, locks: ChatLocks) -> None:
        self.guichet = guichet
        self.store = guichet.store
        self.settings = guichet.settings
        self.locks = locks

    # -- who ---------------------------------------------------------------------------------------------------------
    def is_staff(self, user: Any) -> bool:
        return user is not None and int(user.id) in set(self.settings.staff_user_ids or [])

    def is_staff_command(self, update: Update) -> bool:
        """A staff-only command (``/demande`` counts only with a reference: alone, it is the mayor's command)."""
        message = update.message
        if message is None or not message.text:
            return False
        parsed = parse_command(message.text, None)
        if parsed is None or parsed[0] not in STAFF_COMMANDS:
            return False
        name, args = parsed
        if name == "demande":
            return bool(REF_RE.search(args))
        return True

    async def _log(self, reference: str | None, actor: str, kind: str, data: dict) -> None:
        try:
            async with self.store.unit() as uow:
                await uow.log_event(reference, actor, kind, data)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not log %s: %s", kind, type(exc).__name__)

    async def refuse_command(self, update: Update, bot: Any, where: str) -> None:
        user, chat = update.effective_user, update.effective_chat
        name = parse_command(update.message.text or "", None) if update.message else None
        log.info("staff command refused (%s): user %s chat %s", where, getattr(user, "id", None),
                 getattr(chat, "id", None))
        await self._log(None, actor_id(user), "staff_command_refused",
                        {"where": where, "chat_id": getattr(chat, "id", None),
                         "command": name[0] if name else None})
        if chat is not None:
            await bot.send_message(chat.id, T.STAFF_COMMAND_REFUSED)

    async def foreign_group(self, update: Update, bot: Any) -> None:
        """A group that is not the staff group: refuse staff commands and button presses, ignore the rest."""
        if update.callback_query is not None:
            await _answer(update.callback_query, update.update_id, T.STAFF_NOT_ALLOWED, alert=True)
            await self._log(None, actor_id(update.effective_user), "staff_action_refused",
                            {"where": "foreign_group", "chat_id": update.effective_chat.id})
            return
        if self.is_staff_command(update):
            await self.refuse_command(update, bot, where="foreign_group")
            return
        message = update.message
        if message is not None and message.text and parse_command(message.text, bot.username) is not None:
            await bot.send_message(update.effective_chat.id, T.GROUP_NOT_SUPPORTED)

    # -- dispatch ----------------------------------------------------------------------------------------------------
    async def handle(self, update: Update, bot: Any) -> None:
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return
        async with self.locks.hold(f"staff:{chat.id}"):
            if update.callback_query is not None:
                await self.on_button(update, bot)
                return
            message = update.message
            if message is None or message.text is None:
                return
            parsed = parse_command(message.text, bot.username)
            if parsed is not None:
                if parsed[0] in STAFF_COMMANDS:
                    await self.on_command(update, bot, *parsed)
                return
            if message.reply_to_message is not None:
                await self.on_reply(update, bot)

    # -- buttons -----------------------------------------------------------------------------------------------------
    async def on_button(self, update: Update, bot: Any) -> None:
        query = update.callback_query
        user = update.effective_user
        parsed = parse_staff_data(query.data)
        if not self.is_staff(user):
            await _answer(query, update.update_id, T.STAFF_NOT_ALLOWED, alert=True)
            log.info("staff action refused: user %s", getattr(user, "id", None))
            await self._log(parsed[1] if parsed else None, actor_id(user), "staff_action_refused",
                            {"where": "staff_group", "action": parsed[0] if parsed else None})
            return
        if parsed is None:
            await _answer(query, update.update_id, T.STAFF_UNKNOWN_ACTION)
            await self._log(None, actor_id(user), "staff_forged_data", {"length": len(query.data or "")})
            return
        action, ref, arg = parsed
        record = await self.store.get_request(ref)
        if record is None:
            await _answer(query, update.update_id, T.STAFF_REQUEST_NOT_FOUND, alert=True)
            return
        message = query.message
        if action in ("route", "close", "back"):
            markup = {"route": operators_keyboard, "close": close_keyboard, "back": staff_keyboard}[action](ref)
            await _answer(query, update.update_id)
            await self._edit_markup(bot, message, markup)
            return
        if action == "ask":
            await _answer(query, update.update_id)
            await bot.send_message(
                message.chat.id if message else self.settings.staff_chat_id,
                T.staff_ask_prompt(ref),
                reply_markup=ForceReply(selective=True, input_field_placeholder=ref),
                reply_to_message_id=message.message_id if message else None,
                allow_sending_without_reply=True,
            )
            return
        from bot.staff import service

        actor = actor_id(user)
        try:
            if action == "take":
                new = await service.take_charge(self.store, ref, actor)
            elif action == "op":
                new = await service.route(self.store, ref, arg, actor)
            elif action == "done":
                new = await service.close(self.store, ref, "traitee", actor)
            else:  # drop
                new = await service.close(self.store, ref, "close_sans_suite", actor)
        except Exception as exc:  # noqa: BLE001 - illegal transition, unknown reference…
            log.info("staff action %s on %s impossible: %s", action, ref, type(exc).__name__)
            await _answer(query, update.update_id, T.STAFF_ACTION_IMPOSSIBLE, alert=True)
            return
        await _answer(query, update.update_id, T.STAFF_ACTION_DONE)
        await self.show_status(bot, message, new, who(user))

    async def _edit_markup(self, bot: Any, message: Message | None, markup: InlineKeyboardMarkup | None) -> None:
        if message is None:
            return
        try:
            await bot.edit_message_reply_markup(message.chat.id, message.message_id, reply_markup=markup)
        except BadRequest as exc:  # not modified, or too old
            log.info("could not edit the staff message markup: %s", exc.message)

    async def show_status(self, bot: Any, message: Message | None, record: Any, by: str,
                          chat_id: int | None = None, message_id: int | None = None) -> None:
        """Edit the request's group message: its text, then the new status and who acted; buttons while open."""
        chat_id = chat_id or (message.chat.id if message else self.settings.staff_chat_id)
        message_id = message_id or (message.message_id if message else None)
        if chat_id is None or message_id is None:
            return
        base = (message.text if message is not None and message.text else None) or self._summary(record)
        base = base.split(STATUS_MARK)[0]
        operator = f" ({record.operator})" if getattr(record, "operator", None) else ""
        text = base + T.staff_status_line(status_label(record.status) + operator, by)
        text = split_text(text)[0]
        markup = staff_keyboard(record.reference) if record.status not in ("traitee", "close_sans_suite") else None
        try:
            await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
        except BadRequest as exc:
            log.info("could not edit the staff message: %s", exc.message)

    def _summary(self, record: Any) -> str:
        try:
            from bot.staff import service

            return service.staff_summary(record)
        except Exception:  # noqa: BLE001
            return record.reference

    # -- replies in the group ----------------------------------------------------------------------------------------
    async def on_reply(self, update: Update, bot: Any) -> None:
        message = update.message
        user = update.effective_user
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
            return  # a conversation between staff: not for us
        if not self.is_staff(user):
            log.info("reply from non-staff user %s ignored", getattr(user, "id", None))
            await self._log(None, actor_id(user), "staff_action_refused", {"where": "staff_reply"})
            return
        text = (message.text or "").strip()
        if not text:
            await message.reply_text(T.STAFF_EMPTY_REPLY)
            return
        from bot.staff import service

        actor = actor_id(user)
        replied_text = replied.text or ""
        # 1. The answer to a "Demander des précisions" prompt
        if replied_text.startswith(ASK_MARK) and T.STAFF_ASK_PROMPT_SUFFIX in replied_text:
            m = REF_RE.search(replied_text)
            if m:
                ref = m.group(1).upper()
                try:
                    record = await service.ask_details(self.store, ref, text, actor)
                except Exception as exc:  # noqa: BLE001
                    log.info("ask_details on %s impossible: %s", ref, type(exc).__name__)
                    await message.reply_text(T.STAFF_ACTION_IMPOSSIBLE)
                    return
                await message.reply_text(T.staff_question_sent(ref))
                if record is not None and getattr(record, "staff_message_id", None):
                    await self.show_status(bot, None, record, who(user), chat_id=message.chat.id,
                                           message_id=int(record.staff_message_id))
                return
        # 2. A reply to a message the outbox sent (a request, an /agent relay, a mayor's answer)
        async with self.store.unit(readonly=True) as uow:
            row = await uow.find_outbox_by_sent_message(STAFF_CHANNEL, replied.message_id)
            record = None
            if row is None:
                record = await uow.find_request_by_staff_message(replied.message_id)
        reference = (row.reference if row is not None else None) or (record.reference if record else None)
        chat_id = None
        if row is not None:
            chat_id = row.meta.get("reply_chat_id") or row.meta.get("chat_id")
        if reference is None and chat_id is None:
            await message.reply_text(T.STAFF_REPLY_UNKNOWN)
            return
        try:
            await service.relay_to_mayor(self.store, reference=reference, chat_id=chat_id, text=text, actor=actor,
                                         channel=(row.meta.get("reply_channel") if row is not None else None))
        except Exception as exc:  # noqa: BLE001
            log.info("relay to mayor impossible (%s): %s", reference, type(exc).__name__)
            await message.reply_text(T.STAFF_ACTION_IMPOSSIBLE)
            return
        await message.reply_text(T.staff_reply_sent(reference))

    # -- commands ----------------------------------------------------------------------------------------------------
    async def on_command(self, update: Update, bot: Any, name: str, args: str) -> None:
        user, chat = update.effective_user, update.effective_chat
        if not self.is_staff(user):
            await self.refuse_command(update, bot, where="staff_group_non_staff")
            return
        if name == "demandes":
            await self.cmd_list(bot, chat.id, args)
        elif name == "demande":
            await self.cmd_show(bot, chat.id, args)
        elif name == "export":
            await self.cmd_export(bot, chat.id)
        elif name == "stats":
            await self.cmd_stats(bot, chat.id)

    async def _send_long(self, bot: Any, chat_id: int, text: str) -> None:
        for chunk in split_text(text):
            await bot.send_message(chat_id, chunk)

    async def cmd_list(self, bot: Any, chat_id: int, args: str) -> None:
        from bot.store.models import OPEN_STATUSES, STATUSES

        status = args.strip().lower() or None
        if status is not None and status not in STATUSES:
            await bot.send_message(chat_id, T.STAFF_REQUESTS_USAGE.format(statuses=", ".join(STATUSES)))
            return
        statuses = status or sorted(OPEN_STATUSES)
        records = await self.store.list_requests(status=statuses, newest_first=False)
        if not records:
            await bot.send_message(chat_id, T.STAFF_REQUESTS_NONE)
            return
        shown = records[:50]
        lines = [T.staff_requests_header(len(records), status)]
        for r in shown:
            lines.append(f"• {r.reference} — {r.commune_name or r.commune_code or '?'} — {status_label(r.status)} — "
                         f"{r.created_at:%d/%m/%Y}")
        if len(records) > len(shown):
            lines.append(T.staff_requests_truncated(len(shown), len(records)))
        await self._send_long(bot, chat_id, "\n".join(lines))

    async def cmd_show(self, bot: Any, chat_id: int, args: str) -> None:
        m = REF_RE.search(args or "")
        if not m:
            await bot.send_message(chat_id, T.STAFF_REQUEST_USAGE)
            return
        ref = m.group(1).upper()
        record = await self.store.get_request(ref)
        if record is None:
            await bot.send_message(chat_id, T.STAFF_REQUEST_NOT_FOUND)
            return
        history = await self.store.history(ref)
        try:
            from bot.staff import service

            text = service.staff_summary(record, history=history)
        except TypeError:
            from bot.staff import service

            text = service.staff_summary(record) + "\n\n" + "\n".join(
                f"{e.at:%d/%m/%Y %H:%M} {e.kind} ({e.actor})" for e in history)
        await self._send_long(bot, chat_id, text)

    async def cmd_export(self, bot: Any, chat_id: int) -> None:
        from bot.store import export

        data: bytes = await export.export_csv_bytes(self.store)
        if not data.strip(b"\xef\xbb\xbf\r\n"):
            await bot.send_message(chat_id, T.STAFF_EXPORT_EMPTY)
            return
        await bot.send_document(chat_id, document=io.BytesIO(data), filename="guichet-demandes.csv",
                                caption=T.STAFF_EXPORT_CAPTION)

    async def cmd_stats(self, bot: Any, chat_id: int) -> None:
        from bot.store import export

        text = await export.stats_text(self.store)
        await self._send_long(bot, chat_id, text)
