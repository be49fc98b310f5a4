"""Staff side: the staff group's buttons, replies and commands.

Actions go through the transport-free staff service (:mod:`bot.staff.service`): one transaction changes the status,
logs who did what, marks the Telegram update handled and queues the mayor's notification and the refreshed group
message (outbox row ``staff_update``, which the sender applies by *editing* the request's group message). This module
only does Telegram: who may act, the sub-menus (operators, outcomes), ForceReply prompts, relays, commands.

Button data is the service's (``st:take:REF``…), parsed with :func:`bot.staff.service.parse_callback` and never
trusted further: the action re-checks the state.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.channels.telegram.adapter import ChatLocks, _answer, inline_keyboard, parse_command, split_text
from bot.channels.telegram.direct import surely
from bot.channels.telegram.plain import defuse
from bot.staff import names
from bot.staff import service as svc
from bot.texts import staff as ST
from bot.texts import telegram as T

log = logging.getLogger(__name__)

CHANNEL = "telegram"
STAFF_CHANNEL = "staff"
#: Commands that only staff may use, and only in the staff group.
STAFF_COMMANDS = frozenset({"demandes", "demande", "export", "stats", "clore"})
#: Commands answered in the staff group (``/aide`` there is the staff's help; in a private chat, the mayor's).
GROUP_COMMANDS = STAFF_COMMANDS | {"aide", "help"}
#: An open sub-menu (operators, outcomes) is kept by the outbox's refreshes of the card for this long at most.
MENU_TTL_SECONDS = 300
MENU_EVENT = "staff_menu"
REF_RE = re.compile(r"\b([0-9]{2}[0-9AB]?-[0-9]{4}-[0-9]{3,6})\b", re.IGNORECASE)


def who(user: Any) -> str:
    """How staff see each other in the group: their name, else their id."""
    if user is None:
        return "?"
    name = (user.full_name or "").strip()
    return name[:64] or f"id {user.id}"


def actor_id(user: Any) -> str:
    return f"{CHANNEL}:{user.id}" if user is not None else f"{CHANNEL}:?"


class StaffHandler:
    def __init__(self, guichet: Any, locks: ChatLocks) -> None:
        self.guichet = guichet
        self.store = guichet.store
        self.settings = guichet.settings
        self.locks = locks
        self.service = svc.StaffService(self.store)

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
        parsed = parse_command(update.message.text or "", None) if update.message else None
        log.info("staff command refused (%s): user %s chat %s", where, getattr(user, "id", None),
                 getattr(chat, "id", None))
        await self._log(None, actor_id(user), "staff_command_refused",
                        {"where": where, "chat_id": getattr(chat, "id", None),
                         "command": parsed[0] if parsed else None})
        if chat is not None:
            await surely(bot.send_message, chat.id, T.STAFF_COMMAND_REFUSED)

    async def foreign_group(self, update: Update, bot: Any) -> None:
        """A group that is not the staff group: refuse staff commands and button presses, ignore the rest."""
        chat = update.effective_chat
        if update.callback_query is not None:
            await _answer(update.callback_query, update.update_id, ST.NOT_STAFF, alert=True)
            await self._log(None, actor_id(update.effective_user), "staff_action_refused",
                            {"where": "foreign_group", "chat_id": chat.id})
            return
        if self.is_staff_command(update):
            await self.refuse_command(update, bot, where="foreign_group")
            return
        message = update.message
        if message is not None and message.text and parse_command(message.text, bot.username) is not None:
            await surely(bot.send_message, chat.id, T.GROUP_NOT_SUPPORTED)

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
                if parsed[0] in GROUP_COMMANDS:
                    await self.on_command(update, bot, *parsed)
                return
            if message.reply_to_message is not None:
                await self.on_reply(update, bot)

    # -- buttons -----------------------------------------------------------------------------------------------------
    async def on_button(self, update: Update, bot: Any) -> None:
        query = update.callback_query
        user = update.effective_user
        cb = svc.parse_callback(query.data)
        if not self.is_staff(user):
            await _answer(query, update.update_id, ST.NOT_STAFF, alert=True)
            log.info("staff action refused: user %s", getattr(user, "id", None))
            await self._log(cb.reference if cb else None, actor_id(user), "staff_action_refused",
                            {"where": "staff_group", "action": cb.action if cb else None})
            return
        if cb is None:
            await _answer(query, update.update_id, T.STAFF_UNKNOWN_ACTION)
            await self._log(None, actor_id(user), "staff_forged_data", {"length": len(query.data or "")})
            return
        message = query.message
        if cb.action in ("route", "close", "back"):
            await _answer(query, update.update_id)
            if message is not None:
                # Recorded before the edit: the outbox's refreshes of this card keep the sub-menu while it is open.
                await self._log(cb.reference, actor_id(user), MENU_EVENT,
                                {"menu": None if cb.action == "back" else cb.action,
                                 "message_id": message.message_id, "by": who(user)})
            if cb.action == "route":
                rows = svc.operator_buttons(cb.reference)
            elif cb.action == "close":
                rows = svc.close_buttons(cb.reference)
            else:
                record = await self.store.get_request(cb.reference)
                rows = svc.staff_buttons(record) if record is not None else []
            await self._edit_markup(bot, message, rows)
            return
        if cb.action == "ask":
            await _answer(query, update.update_id)
            chat_id = message.chat.id if message is not None else self.settings.staff_chat_id
            await surely(
                bot.send_message,
                chat_id,
                T.staff_ask_prompt(cb.reference),
                reply_markup=ForceReply(selective=True, input_field_placeholder=cb.reference),
                reply_to_message_id=message.message_id if message is not None else None,
                allow_sending_without_reply=True,
            )
            return
        actor, name, key = actor_id(user), who(user), f"tg:{update.update_id}"
        if cb.action == "take":
            result = await self.service.take_charge(cb.reference, actor, name, update_key=key)
        elif cb.action == "op":
            result = await self.service.route(cb.reference, cb.arg or "", actor, name, update_key=key)
        else:  # "cl"
            result = await self.service.close(cb.reference, cb.arg or "", actor, None, name, update_key=key)
        await _answer(query, update.update_id, result.message[:200], alert=not result.ok)
        if not result.ok:
            log.info("staff action %s on %s refused by the service: %s", cb.action, cb.reference, result.code)

    async def _edit_markup(self, bot: Any, message: Message | None, rows: list) -> None:
        if message is None:
            return
        try:
            await bot.edit_message_reply_markup(message.chat.id, message.message_id,
                                                reply_markup=inline_keyboard(rows))
        except BadRequest as exc:  # not modified, or too old
            log.info("could not edit the staff message markup: %s", exc.message)

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
        actor, name, key = actor_id(user), who(user), f"tg:{update.update_id}"
        replied_text = replied.text or ""
        if T.is_staff_ask_prompt(replied_text):
            # The question typed in answer to a "Demander des précisions" prompt
            m = REF_RE.search(replied_text)
            if m is None:
                return
            result = await self.service.ask_details(m.group(1).upper(), text, actor, name, update_key=key)
        else:
            # A reply to a request's message, an /agent relay or a mayor's answer: goes to that mayor
            result = await self.service.relay_to_mayor(text, actor, reply_to_message_id=replied.message_id,
                                                       update_key=key)
        if result.code == "already_handled":
            return
        await surely(bot.send_message, message.chat.id, result.message, reply_to_message_id=message.message_id,
                               allow_sending_without_reply=True)

    # -- commands ----------------------------------------------------------------------------------------------------
    async def on_command(self, update: Update, bot: Any, name: str, args: str) -> None:
        user, chat = update.effective_user, update.effective_chat
        if not self.is_staff(user):
            await self.refuse_command(update, bot, where="staff_group_non_staff")
            return
        await self._log(None, actor_id(user), "staff_command", {"command": name})
        if name in ("aide", "help"):
            await self.cmd_help(bot, chat.id)
        elif name == "clore":
            await self.cmd_close(update, bot, args)
        elif name == "demandes":
            await self.cmd_list(bot, chat.id, args)
        elif name == "demande":
            await self.cmd_show(bot, chat.id, args)
        elif name == "export":
            await self.cmd_export(bot, chat.id)
        elif name == "stats":
            await self.cmd_stats(bot, chat.id)

    async def _send_long(self, bot: Any, chat_id: int, text: str) -> None:
        for chunk in split_text(defuse(text)):
            await surely(bot.send_message, chat_id, chunk)

    async def cmd_help(self, bot: Any, chat_id: int) -> None:
        from bot.store.models import STATUSES

        url = names.current().public_url + "/console/"
        await surely(bot.send_message, chat_id, ST.group_help(url, ", ".join(STATUSES)))

    async def cmd_close(self, update: Update, bot: Any, args: str) -> None:
        """``/clore REF traitee|sans-suite [message]``: the message goes to the mayor with the outcome."""
        chat, user = update.effective_chat, update.effective_user
        m = REF_RE.search(args or "")
        rest = (args or "")[m.end():].strip() if m else ""
        outcome, _, note = rest.partition(" ")
        if not m or svc.resolve_outcome(outcome) is None:
            # "sans suite" in two words
            two = " ".join(rest.split()[:2])
            if m and svc.resolve_outcome(two) is not None:
                outcome, note = two, " ".join(rest.split()[2:])
            else:
                await surely(bot.send_message, chat.id, ST.CLOSE_USAGE)
                return
        result = await self.service.close(m.group(1).upper(), outcome, actor_id(user), note.strip() or None,
                                          who(user), update_key=f"tg:{update.update_id}")
        if result.code == "already_handled":
            return
        await surely(bot.send_message, chat.id, result.message, reply_to_message_id=update.message.message_id,
                               allow_sending_without_reply=True)

    async def cmd_list(self, bot: Any, chat_id: int, args: str) -> None:
        from bot.store.models import OPEN_STATUSES, STATUSES

        status = _status_of(args)
        if status is None and args.strip():
            await self.cmd_search(bot, chat_id, args.strip())
            return
        statuses = status or sorted(OPEN_STATUSES)
        records = await self.store.list_requests(status=statuses, newest_first=False)
        if not records:
            await surely(bot.send_message, chat_id, T.STAFF_REQUESTS_NONE)
            return
        shown = records[:50]
        lines = [T.staff_requests_header(len(records), status)]
        for r in shown:
            lines.append(T.staff_request_line(r.reference, r.commune_name or r.commune_code or "?",
                                              ST.status_label(r.status, r.operator), f"{r.created_at:%d/%m/%Y}"))
        if len(records) > len(shown):
            lines.append(T.staff_requests_truncated(len(shown), len(records)))
        await self._send_long(bot, chat_id, "\n".join(lines))

    async def cmd_search(self, bot: Any, chat_id: int, query: str) -> None:
        from bot.staff.search import search_requests, words_of

        if not words_of(query):
            await surely(bot.send_message, chat_id, ST.search_none(query[:80]))
            return
        async with self.store.unit(readonly=True) as uow:
            found = await search_requests(uow, query, limit=30)
        if not found.total:
            await surely(bot.send_message, chat_id, ST.search_none(query[:80]))
            return
        lines = [ST.search_header(found.total, query[:80])]
        for r in found.records:
            need = " ".join((r.description or "").split())
            lines.append(ST.search_line(r.reference, r.commune_name or r.commune_code or "?",
                                        ST.status_label(r.status, r.operator), f"{r.created_at:%d/%m/%Y}",
                                        need[:90] + ("…" if len(need) > 90 else "")))
        if found.total > len(found.records):
            lines.append(ST.search_truncated(len(found.records), found.total,
                                             names.current().public_url + "/console/"))
        await self._send_long(bot, chat_id, "\n".join(lines))

    async def cmd_show(self, bot: Any, chat_id: int, args: str) -> None:
        m = REF_RE.search(args or "")
        if not m:
            await surely(bot.send_message, chat_id, T.STAFF_REQUEST_USAGE)
            return
        ref = m.group(1).upper()
        summary = await self.service.summary(ref)
        if summary is None:
            await surely(bot.send_message, chat_id, ST.unknown_reference(ref))
            return
        history = [e for e in await self.store.history(ref) if e.kind != MENU_EVENT]
        record = await self.store.get_request(ref)
        lines = [summary.text, "", T.STAFF_HISTORY_TITLE]
        for e in history:
            lines.append(T.staff_history_line(_local(e.at, self.settings.timezone), ST.event_label(e.kind, e.data),
                                              svc.actor_label(e, record)))
        await self._send_long(bot, chat_id, "\n".join(lines))

    async def cmd_export(self, bot: Any, chat_id: int) -> None:
        from bot.store import export

        data = await export.export_bytes(self.store, "csv")
        await bot.send_document(chat_id, document=io.BytesIO(data), filename="guichet-demandes.csv",
                                caption=T.STAFF_EXPORT_CAPTION)

    async def cmd_stats(self, bot: Any, chat_id: int) -> None:
        from bot.store import export

        stats = await export.compute_stats(self.store)
        themes = names.current().themes
        stats["by_theme"] = {themes.get(k, k): v for k, v in (stats.get("by_theme") or {}).items()}
        await self._send_long(bot, chat_id, T.stats_text(stats))


def _status_of(args: str) -> str | None:
    """``/demandes traitee`` / ``en cours`` / ``sans suite`` → a status; None when the words are not one."""
    from bot.store.models import STATUSES

    key = svc._fold(args).replace(" ", "_")
    if key in STATUSES:
        return key
    for status, label in ST.STATUS_LABELS.items():
        if key == svc._fold(label).replace(" ", "_"):
            return status
    return {"sans_suite": "close_sans_suite", "traite": "traitee"}.get(key)


async def open_menu_rows(store: Any, reference: str | None, message_id: int | str,
                         now: Any = None) -> list[list[dict[str, str]]] | None:
    """The buttons of the sub-menu open on a request's card (operators or outcomes), or None when none is open.

    A sub-menu is open when the last ``staff_menu`` event of the request opened one on that message, less than
    :data:`MENU_TTL_SECONDS` ago, and the staff member who opened it has not acted since (their choice closes it;
    « Retour » logs a closing ``staff_menu``). The outbox sender keeps these buttons when it refreshes the card, so a
    refresh never replaces the sub-menu under a staff member's finger."""
    from datetime import datetime, timedelta, timezone

    if not reference:
        return None
    history = await store.history(reference)
    menus = [i for i, e in enumerate(history) if e.kind == MENU_EVENT]
    if not menus:
        return None
    opened = history[menus[-1]]
    menu = opened.data.get("menu")
    if menu not in ("route", "close") or str(opened.data.get("message_id")) != str(message_id):
        return None
    now = now or datetime.now(timezone.utc)
    if now - opened.at > timedelta(seconds=MENU_TTL_SECONDS):
        return None
    if any(e.actor == opened.actor and e.kind in ("status", "question") for e in history[menus[-1] + 1:]):
        return None
    record = await store.get_request(reference)
    if record is None or not record.is_open:
        return None
    return svc.operator_buttons(reference) if menu == "route" else svc.close_buttons(reference)


def _local(at: Any, tz_name: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        return at.astimezone(ZoneInfo(tz_name)).strftime("%d/%m/%Y %H:%M")
    except Exception:  # noqa: BLE001
        return str(at)
