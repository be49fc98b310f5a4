"""Mayor side: Telegram updates of private chats → engine :class:`Event`; engine :class:`Reply` → Telegram messages.

Plain text is sent without parse mode, so whatever a person typed never becomes formatting, a link or a mention.
Long texts are split below Telegram's 4,096-character limit (counted in UTF-16 code units, as Telegram does).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType

from bot.channels.telegram.direct import surely
from bot.dialogue.delivery import PRESSED, Pressed, is_queued
from bot.dialogue.events import MAX_BUTTON_DATA_BYTES, Event, IncomingFile, Reply
from bot.texts import telegram as T

if TYPE_CHECKING:  # pragma: no cover
    from telegram import Bot

log = logging.getLogger(__name__)

CHANNEL = "telegram"
#: Below Telegram's 4,096 limit, with room for a status line added by staff edits.
MAX_TEXT = 4000


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split ``text`` in chunks of at most ``limit`` UTF-16 units, on paragraph, line or word boundaries."""
    text = text if text.strip() else "…"
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        # Largest prefix that fits
        lo, hi = 0, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if utf16_len(rest[:mid]) <= limit:
                lo = mid
            else:
                hi = mid - 1
        cut = lo
        window = rest[:cut]
        for sep in ("\n\n", "\n", " "):
            pos = window.rfind(sep)
            if pos > cut // 2:
                cut = pos + len(sep)
                break
        piece = rest[:cut].rstrip()
        if piece:
            chunks.append(piece)
        rest = rest[cut:].lstrip("\n ") if rest[cut:].strip() else ""
    if rest.strip():
        chunks.append(rest)
    return chunks or ["…"]


def inline_keyboard(buttons: Sequence[Sequence[Any]]) -> InlineKeyboardMarkup | None:
    """Rows of :class:`Button` (or ``{"label", "data"}`` dicts) → inline keyboard; oversize data is dropped."""
    rows: list[list[InlineKeyboardButton]] = []
    for row in buttons or []:
        out_row = []
        for button in row:
            label = button["label"] if isinstance(button, dict) else button.label
            data = button["data"] if isinstance(button, dict) else button.data
            if not label or not data or len(data.encode("utf-8")) > MAX_BUTTON_DATA_BYTES:
                log.warning("dropping a button with invalid callback data (%d bytes)", len((data or "").encode()))
                continue
            out_row.append(InlineKeyboardButton(label[:64], callback_data=data))
        if out_row:
            rows.append(out_row)
    return InlineKeyboardMarkup(rows) if rows else None


async def send_reply(bot: "Bot", chat_id: int | str, reply: Reply) -> list[Message]:
    """Send one engine reply (split if long); markup goes on the last chunk."""
    sent: list[Message] = []
    chunks = split_text(reply.text)
    markup: Any = None
    if reply.request_contact:
        # A reply keyboard: the contact button, then the reply's choices as plain-text buttons (their labels are
        # understood by the engine when typed, e.g. "Passer").
        rows = [[KeyboardButton(T.CONTACT_BUTTON, request_contact=True)]]
        rows += [[KeyboardButton(b.label[:64]) for b in row] for row in reply.buttons or [] if row]
        markup = ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    elif reply.buttons:
        markup = inline_keyboard(reply.buttons)
    elif reply.remove_keyboard:
        markup = ReplyKeyboardRemove()
    if reply.remove_keyboard and reply.buttons and not reply.request_contact:
        # One markup per message: close the phone keyboard first, then show the inline buttons.
        sent.append(await surely(bot.send_message, chat_id, T.KEYBOARD_CLOSED, reply_markup=ReplyKeyboardRemove()))
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        sent.append(await surely(bot.send_message, chat_id, chunk, reply_markup=markup if last else None))
    return sent


async def send_replies(bot: "Bot", chat_id: int | str, replies: Sequence[Reply]) -> list[Message]:
    sent: list[Message] = []
    for reply in replies:
        sent.extend(await send_reply(bot, chat_id, reply))
    return sent


def parse_command(text: str, bot_username: str | None) -> tuple[str, str] | None:
    """``"/demande@bot args"`` → ``("demande", "args")``; None when not a command (or one for another bot)."""
    if not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    name, _, target = head[1:].partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    if not name:
        return None
    return name.lower(), rest.strip()


def to_event(update: Update, bot_username: str | None = None) -> Event | None:
    """Map a private-chat update to an engine event; None for updates that are not a person's action."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    base = dict(
        channel=CHANNEL,
        user_id=str(user.id),
        chat_id=str(chat.id),
        update_key=f"tg:{update.update_id}",
        user_name=user.first_name or None,
    )
    query = update.callback_query
    if query is not None:
        return Event(kind="button", data=query.data or "", **base)
    message = update.message
    if message is None:
        return None  # edited messages, reactions, etc.: ignored
    if message.contact is not None:
        return Event(kind="contact", phone=message.contact.phone_number, **base)
    if message.text is not None:
        parsed = parse_command(message.text, bot_username)
        if parsed is not None:
            name, args = parsed
            return Event(kind="command", command=name, text=args or None, **base)
        replied = message.reply_to_message  # issue 9: a reply to a status notice adds to that request
        return Event(kind="text", text=message.text, reply_to=(replied.text if replied is not None else None), **base)
    sent = _sent_file(message)
    if sent is not None:  # issue 20: a document or a photo: fetched by MayorHandler (fetch_files), then kept
        return Event(kind="file", text=message.caption or None, files=[sent], **base)
    return Event(kind="unsupported", **base)


#: Telegram's own limit for a bot's download (getFile): a bigger file cannot be fetched at all.
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


def _sent_file(message: Message) -> IncomingFile | None:
    """The document or the largest photo size of a message, not yet downloaded (``ref`` = file id)."""
    if message.document is not None:
        doc = message.document
        return IncomingFile(name=doc.file_name or "document", ref=doc.file_id, size=doc.file_size)
    if message.photo:
        photo = message.photo[-1]  # Telegram lists the sizes smallest first
        when = message.date.strftime("%Y%m%d-%H%M%S") if message.date else str(message.message_id)
        return IncomingFile(name=f"photo-{when}.jpg", ref=photo.file_id, size=photo.file_size)
    return None


async def fetch_files(bot: "Bot", event: Event, max_bytes: int) -> None:
    """Download the event's files (PTB ``get_file`` + ``download_to_memory``) within ``max_bytes`` each: a size
    announced over the limit is refused before any download, and so is a download that turns out bigger."""
    import io

    for f in event.files:
        if f.refused or f.data or not f.ref:
            continue
        if f.size is not None and f.size > max_bytes:
            f.refused = "too_big"
            continue
        try:
            tg_file = await bot.get_file(f.ref)
            if tg_file.file_size is not None and (tg_file.file_size > max_bytes
                                                  or tg_file.file_size > TELEGRAM_DOWNLOAD_LIMIT):
                f.refused = "too_big"
                continue
            out = io.BytesIO()
            await tg_file.download_to_memory(out)
            data = out.getvalue()
        except Exception as exc:  # noqa: BLE001 - an expired file id, a network error: the person is told
            log.info("file download failed for update %s: %s", event.update_key, type(exc).__name__)
            f.refused = "too_big" if "too big" in str(exc).lower() else "unreadable"
            continue
        if len(data) > max_bytes:
            f.refused = "too_big"
            continue
        f.data = data


class ChatLocks:
    """One asyncio lock per chat, created on demand and dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock2, users2 = self._locks[key]
            if users2 <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock2, users2 - 1)

    def __len__(self) -> int:
        return len(self._locks)


class LastReplies:
    """The last replies sent to each chat (bounded), to ask the question again after an error."""

    def __init__(self, size: int = 10_000) -> None:
        self._data: OrderedDict[str, list[Reply]] = OrderedDict()
        self._size = size

    def set(self, chat_id: str, replies: list[Reply]) -> None:
        if not replies:
            return
        self._data[chat_id] = replies
        self._data.move_to_end(chat_id)
        while len(self._data) > self._size:
            self._data.popitem(last=False)

    def get(self, chat_id: str) -> list[Reply]:
        return self._data.get(chat_id, [])


class MayorHandler:
    """Handles every update of a private chat: one chat at a time, in order.

    The engine queues its replies in the outbox in the transaction that handles the update (issue 14); this handler
    then hands them to the outbox sender (``deliver``: sent at once, in order, retried on failure) and sends nothing
    itself, except the few replies the engine gives *without* recording anything (database unavailable, flood):
    those are sent directly (best effort, at most once) and the update is settled (``settle``: never handled later).
    ``handle`` returns True when the update was recorded (handled by the engine).
    """

    def __init__(self, engine: Any, locks: ChatLocks, last: LastReplies, max_engine_calls: int | None = None,
                 *, deliver: Callable[[Any], Awaitable[None]] | None = None,
                 settle: Callable[[int], None] | None = None, max_file_bytes: int = 10_000_000) -> None:
        self.engine = engine
        self.max_file_bytes = max_file_bytes
        self.locks = locks
        self.last = last
        self.deliver = deliver
        self.settle = settle
        # SQLite serialises writers: beyond a few concurrent transactions, more only means lock contention.
        self._engine_slots = asyncio.Semaphore(max_engine_calls) if max_engine_calls else None

    async def handle(self, update: Update, bot: "Bot") -> bool:
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return False
        query = update.callback_query
        event = to_event(update, bot.username if bot else None)
        if event is None:
            if query is not None:
                await _answer(query, update.update_id)
            return False
        # Take the chat's lock before the first await, so that one chat's updates keep their order.
        async with self.locks.hold(event.chat_id):
            if query is not None:
                # Always answer, even stale or forged data: the engine validates the data against the state.
                await _answer(query, update.update_id)
            message = getattr(query, "message", None) if query is not None else None
            token = PRESSED.set(Pressed(message.message_id, getattr(message, "text", None))) if message else None
            if event.kind == "file":  # fetched before the engine's unit: no transaction waits on the network
                await fetch_files(bot, event, self.max_file_bytes)
            try:
                if self._engine_slots is not None:
                    async with self._engine_slots:
                        replies = await self.engine.handle(event)
                else:
                    replies = await self.engine.handle(event)
            finally:
                if token is not None:
                    PRESSED.reset(token)
            if is_queued(replies):
                if replies:
                    self.last.set(event.chat_id, list(replies))
                if self.deliver is not None:
                    await self.deliver(replies)
                return True
            # Nothing recorded (database unavailable, flood, already handled): the answer goes out directly, and the
            # update is settled so that it is never handled later (the person was told to send it again).
            if self.settle is not None:
                self.settle(update.update_id)
            if replies:
                try:
                    await send_replies(bot, chat.id, list(replies))
                except Exception as exc:  # noqa: BLE001 - best effort: the person sends their message again
                    log.info("direct reply to update %s failed: %s", update.update_id, type(exc).__name__)
            return False


async def _answer(query: Any, update_id: int, text: str | None = None, alert: bool = False) -> None:
    try:
        await query.answer(text=text, show_alert=alert)
    except Exception as exc:  # noqa: BLE001 - an expired query must not stop the action
        log.info("answerCallbackQuery failed for update %s: %s", update_id, type(exc).__name__)
