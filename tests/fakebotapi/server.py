"""A fake Telegram Bot API server on loopback, for end-to-end tests and benchmarks.

It speaks the subset of the Bot API that python-telegram-bot calls for Guichet, with responses shaped exactly like
Telegram's (``{"ok": true, "result": ...}``), on ``http://127.0.0.1:<random port>/bot<token>/<method>``.

The server runs in its own threads (``http.server.ThreadingHTTPServer``), so it is independent of the event loop of
the code under test. Tests drive it with ``push_*`` (updates a user would cause) and observe it with
``messages_to``/``wait_for`` (event-based: a condition variable, never a sleep).

Faults can be injected per method: ``fail_next(method, times, kind)`` with kind ``"429"`` (with
``parameters.retry_after``), ``"500"``, ``"502"``, ``"drop"`` (the call is processed, i.e. the message is delivered,
then the connection is closed without an answer) or ``"timeout"`` (processed, then the answer is held back for
``delay`` seconds so that the client times out) — the two hangs where Telegram *got* the message — and the two hangs
where it did *not* (issue 24): ``"lost"`` (the connection dies before the request arrives: nothing is processed,
the connection is closed without an answer) and ``"hang"`` (nothing is processed and no answer comes: held back for
``delay`` seconds, then closed). From the client's side each pair looks the same: that is the point.

``fault_hook(method, params) -> kind | Fault | None`` (when set) chooses a fault per call, after the queued ones (a
test's plan: per chat, per step); every injected fault is recorded in ``faults`` as ``(method, params, kind)``.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

BOT_ID = 7_000_000_001
DEFAULT_TOKEN = "7000000001:TEST-fake-token-AAAAAAAAAAAAAAAAAAAA"

_INT_FIELDS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "from_chat_id", "reply_to_message_id", "cache_time",
    "max_connections", "user_id",
}
_JSON_FIELDS = {
    "reply_markup", "commands", "scope", "allowed_updates", "entities", "link_preview_options", "reply_parameters",
    "caption_entities",
}
_BOOL_FIELDS = {"show_alert", "disable_notification", "drop_pending_updates", "protect_content"}


@dataclass
class Fault:
    kind: str  # "429" | "500" | "502" | "drop" | "timeout" (delivered) | "lost" | "hang" (not delivered)
    retry_after: int = 1
    delay: float = 10.0


@dataclass
class SentMessage:
    """A message the bot sent (or a document), as the test sees it."""

    chat_id: int
    message_id: int
    text: str | None
    reply_markup: dict | None  # as sent (inline keyboard, reply keyboard, ForceReply, remove)
    parse_mode: str | None = None
    reply_to_message_id: int | None = None
    document: dict | None = None  # {"file_name", "content" (bytes), "mime_type"}
    caption: str | None = None
    deleted: bool = False
    edits: list[str] = field(default_factory=list)  # previous texts
    date: int = 0

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        markup = self.reply_markup or {}
        return [(b.get("text", ""), b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]

    def button_data(self, label_part: str) -> str:
        """callback_data of the first inline button whose label contains ``label_part`` (case-insensitive)."""
        for label, data in self.buttons:
            if label_part.lower() in label.lower():
                return data
        raise KeyError(f"no button containing {label_part!r} in {self.buttons!r}")


def _user(user: int | dict, first_name: str | None = None) -> dict:
    if isinstance(user, dict):
        return user
    return {"id": int(user), "is_bot": False, "first_name": first_name or f"User{user}", "language_code": "fr"}


def _chat(chat: int | dict, user: dict | None = None) -> dict:
    if isinstance(chat, dict):
        return chat
    chat = int(chat)
    if chat > 0:
        out = {"id": chat, "type": "private", "first_name": (user or {}).get("first_name", f"User{chat}")}
        return out
    return {"id": chat, "type": "supergroup", "title": f"Group {chat}"}


class FakeBotApi:
    """The fake server. Use as a context manager, or call ``start()``/``stop()``."""

    def __init__(self, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0,
                 bot_username: str = "guichet_test_bot") -> None:
        self.token = token
        self.host = host
        self._port = port
        self.bot_user = {
            "id": BOT_ID, "is_bot": True, "first_name": "Guichet", "username": bot_username,
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
        }
        self.cond = threading.Condition()
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._user_messages: dict[tuple[int, int], dict] = {}
        self.sent: list[SentMessage] = []
        self._sent_index: dict[tuple[int, int], SentMessage] = {}
        self.calls: list[tuple[str, dict]] = []
        self.callback_answers: list[dict] = []
        self.commands: list[dict] = []
        self.webhook: dict = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        self.unauthorized_calls = 0
        self._faults: dict[str, list[Fault]] = {}
        self.fault_hook: Callable[[str, dict], str | Fault | None] | None = None
        self.faults: list[tuple[str, dict, str]] = []
        self._closing = False
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.confirmed_offset = 0
        self.fetched_max = 0  # highest update_id handed out by getUpdates (fetched, maybe not confirmed)
        # files users sent (push_document / push_photo with content): file_id → (file_path, bytes)
        self.files: dict[str, tuple[str, bytes]] = {}
        self._file_ids = itertools.count(1)
        self.downloads: list[str] = []  # file paths downloaded through /file/bot<token>/<path>

    # ----------------------------------------------------------------------------------------------------- lifecycle
    def start(self) -> "FakeBotApi":
        server = self

        class Handler(_Handler):
            fake = server

        self._httpd = _QuietServer((self.host, self._port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fakebotapi", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self.cond:
            self._closing = True
            self.cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeBotApi":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """Root URL, the equivalent of ``https://api.telegram.org`` (use as ``GUICHET_TELEGRAM_API_URL``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What PTB's ``ApplicationBuilder().base_url(...)`` expects (it appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------------------------------------------- faults
    def fail_next(self, method: str, times: int = 1, kind: str = "429", retry_after: int = 1,
                  delay: float = 10.0) -> None:
        """The next ``times`` calls of ``method`` fail with ``kind`` (see module doc)."""
        with self.cond:
            self._faults.setdefault(method.lower(), []).extend(
                Fault(kind=kind, retry_after=retry_after, delay=delay) for _ in range(times)
            )

    def _take_fault(self, method: str) -> Fault | None:
        with self.cond:
            queue = self._faults.get(method.lower())
            if queue:
                return queue.pop(0)
        return None

    # ------------------------------------------------------------------------------------------------ test helpers
    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _push_update(self, update: dict) -> dict:
        with self.cond:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self.cond.notify_all()
        return update

    def _user_message(self, user: int | dict, chat: int | dict | None, reply_to: int | None = None,
                      **content: Any) -> dict:
        u = _user(user)
        c = _chat(chat if chat is not None else u["id"], u)
        with self.cond:
            message = {"message_id": self._next_message_id(c["id"]), "date": int(time.time()), "chat": c, "from": u}
            if reply_to is not None:
                original = self._message_dict(c["id"], reply_to)
                if original is not None:
                    message["reply_to_message"] = original
            message.update(content)
            self._user_messages[(c["id"], message["message_id"])] = message
        return message

    def push_text(self, user: int | dict, chat: int | dict | None = None, text: str = "",
                  reply_to: int | None = None) -> dict:
        """A user writes ``text`` in ``chat`` (default: the private chat with the bot). Commands get their entity."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else 1
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(text[:length])}]
        message = self._user_message(user, chat, reply_to=reply_to, **content)
        return self._push_update({"message": message})

    def build_text_update(self, user: int | dict, chat: int | dict | None = None, text: str = "",
                          update_id: int | None = None) -> dict:
        """An update body as Telegram would POST it to a webhook (not queued for getUpdates)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else 1
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(text[:length])}]
        message = self._user_message(user, chat, **content)
        with self.cond:
            uid = update_id if update_id is not None else next(self._update_ids)
        return {"update_id": uid, "message": message}

    def push_command(self, user: int | dict, chat: int | dict | None, command: str) -> dict:
        return self.push_text(user, chat, command if command.startswith("/") else "/" + command)

    def push_callback(self, user: int | dict, chat: int | dict | None, message_id: int, data: str) -> dict:
        """A user presses an inline button carrying ``data`` under the bot's message ``message_id``."""
        u = _user(user)
        c = _chat(chat if chat is not None else u["id"], u)
        with self.cond:
            message = self._message_dict(c["id"], message_id) or {
                "message_id": message_id, "date": 0, "chat": c, "from": self.bot_user, "text": ""}
            query = {"id": str(next(self._callback_ids)), "from": u, "message": message,
                     "chat_instance": str(c["id"]), "data": data}
        return self._push_update({"callback_query": query})

    def push_contact(self, user: int | dict, chat: int | dict | None = None, phone: str = "+33600000000",
                     first_name: str = "Contact", contact_user_id: int | None = None) -> dict:
        """A user shares a contact (by default their own, like the request_contact button does)."""
        u = _user(user)
        contact = {"phone_number": phone, "first_name": first_name,
                   "user_id": u["id"] if contact_user_id is None else contact_user_id}
        return self._push_update({"message": self._user_message(u, chat, contact=contact)})

    def add_file(self, content: bytes, kind: str = "documents", ext: str = "bin",
                 announced_size: int | None = None) -> dict:
        """Register a file users can send; returns its Telegram fields (file_id, file_unique_id, file_size)."""
        with self.cond:
            n = next(self._file_ids)
            file_id = f"BQAC-fake-{n}"
            self.files[file_id] = (f"{kind}/file_{n}.{ext}", bytes(content))
        return {"file_id": file_id, "file_unique_id": f"u{n}",
                "file_size": len(content) if announced_size is None else announced_size}

    def push_document(self, user: int | dict, chat: int | dict | None = None, *, file_name: str, content: bytes,
                      mime_type: str = "application/octet-stream", caption: str | None = None,
                      announced_size: int | None = None) -> dict:
        """A user sends a document (any file). ``announced_size`` fakes the size Telegram announces."""
        doc = {**self.add_file(content, "documents", file_name.rsplit(".", 1)[-1][:5] or "bin", announced_size),
               "file_name": file_name, "mime_type": mime_type}
        content_: dict[str, Any] = {"document": doc}
        if caption:
            content_["caption"] = caption
        return self._push_update({"message": self._user_message(user, chat, **content_)})

    def push_photo(self, user: int | dict, chat: int | dict | None = None, caption: str | None = None,
                   content: bytes | None = None) -> dict:
        """A user sends a photo; without ``content`` its file id is unknown to getFile (an expired file)."""
        if content is not None:
            big = self.add_file(content, "photos", "jpg")
            small = self.add_file(content[: max(1, len(content) // 4)], "photos", "jpg")
            sizes = [{**small, "width": 90, "height": 90}, {**big, "width": 1280, "height": 960}]
        else:
            sizes = [{"file_id": "AgADphoto", "file_unique_id": "uphoto", "width": 90, "height": 90,
                      "file_size": 1000}]
        content_: dict[str, Any] = {"photo": sizes}
        if caption:
            content_["caption"] = caption
        return self._push_update({"message": self._user_message(user, chat, **content_)})

    def push_raw(self, update: dict) -> dict:
        """Push an arbitrary update body (``update_id`` is assigned)."""
        return self._push_update(dict(update))

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Messages (and documents) the bot sent to ``chat_id``, oldest first, deleted ones included."""
        with self.cond:
            return [m for m in self.sent if m.chat_id == int(chat_id)]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        with self.cond:
            return self._sent_index.get((int(chat_id), int(message_id)))

    def pending_updates(self) -> int:
        with self.cond:
            return len(self._updates)

    def calls_of(self, method: str) -> list[dict]:
        with self.cond:
            return [params for name, params in self.calls if name.lower() == method.lower()]

    def wait_for_sync(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        """Block until ``predicate()`` is truthy (re-evaluated whenever the server's state changes)."""
        with self.cond:
            result = self.cond.wait_for(predicate, timeout)
        if not result:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        return result

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        """Async wait for ``predicate()``: the waiting happens in a thread, so the event loop keeps running."""
        return await asyncio.to_thread(self.wait_for_sync, predicate, timeout, what)

    async def wait_for_message(self, chat_id: int, contains: str | None = None, after: int = 0,
                               timeout: float = 10.0, where: Callable[[SentMessage], bool] | None = None) -> SentMessage:
        """The first message to ``chat_id`` at index ≥ ``after`` whose text contains ``contains`` (case-insensitive)."""

        def find() -> SentMessage | None:
            for m in self.messages_to(chat_id)[after:]:
                body = (m.text or m.caption or "")
                if contains is not None and contains.lower() not in body.lower():
                    continue
                if where is not None and not where(m):
                    continue
                return m
            return None

        return await self.wait_for(find, timeout, f"a message to {chat_id} containing {contains!r}")

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every pushed update has been fetched and confirmed by the bot."""
        await self.wait_for(lambda: not self._updates, timeout, "updates consumed")

    # ----------------------------------------------------------------------------------------------------- methods
    def _message_dict(self, chat_id: int, message_id: int) -> dict | None:
        sent = self._sent_index.get((chat_id, message_id))
        if sent is not None:
            return self._api_message(sent)
        return self._user_messages.get((chat_id, message_id))

    def _api_message(self, m: SentMessage) -> dict:
        out: dict[str, Any] = {"message_id": m.message_id, "date": m.date, "chat": _chat(m.chat_id),
                               "from": self.bot_user}
        if m.text is not None:
            out["text"] = m.text
        if m.document is not None:
            out["document"] = {"file_id": f"doc{m.message_id}", "file_unique_id": f"udoc{m.message_id}",
                               "file_name": m.document["file_name"], "mime_type": m.document["mime_type"],
                               "file_size": len(m.document["content"])}
            if m.caption:
                out["caption"] = m.caption
        if m.reply_markup and "inline_keyboard" in m.reply_markup:
            out["reply_markup"] = m.reply_markup
        if m.reply_to_message_id is not None:
            original = self._user_messages.get((m.chat_id, m.reply_to_message_id))
            if original is not None:
                out["reply_to_message"] = original
        return out

    def handle(self, method: str, params: dict) -> tuple[int, dict]:
        """Dispatch one Bot API call; returns (HTTP status, JSON body)."""
        name = method.lower()
        with self.cond:
            self.calls.append((method, params))
            self.cond.notify_all()
        fn = getattr(self, f"_m_{name}", None)
        if fn is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            result = fn(params)
        except _ApiError as err:
            return err.code, {"ok": False, "error_code": err.code, "description": err.description}
        return 200, {"ok": True, "result": result}

    def _m_getme(self, p: dict) -> dict:
        return self.bot_user

    def _m_getupdates(self, p: dict) -> list[dict]:
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        timeout = float(p.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self.cond:
            if self.webhook["url"]:
                raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self.cond.notify_all()
            while True:
                ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._closing:
                    if ready:
                        self.fetched_max = max(self.fetched_max, ready[-1]["update_id"])
                        self.cond.notify_all()
                    return ready
                self.cond.wait(remaining)

    def _m_setmycommands(self, p: dict) -> bool:
        self.commands = list(p.get("commands") or [])
        return True

    def _m_getmycommands(self, p: dict) -> list:
        return self.commands

    def _m_deletemycommands(self, p: dict) -> bool:
        self.commands = []
        return True

    def _m_deletewebhook(self, p: dict) -> bool:
        with self.cond:
            self.webhook["url"] = ""
            if p.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _m_setwebhook(self, p: dict) -> bool:
        with self.cond:
            self.webhook["url"] = p.get("url") or ""
            self.webhook["secret_token"] = p.get("secret_token")
        return True

    def _m_getwebhookinfo(self, p: dict) -> dict:
        return {k: v for k, v in self.webhook.items() if k != "secret_token"}

    def _m_close(self, p: dict) -> bool:
        return True

    def _m_logout(self, p: dict) -> bool:
        return True

    def _m_getfile(self, p: dict) -> dict:
        file_id = str(p.get("file_id") or "")
        with self.cond:
            known = self.files.get(file_id)
        if known is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, content = known
        if len(content) > 20 * 1024 * 1024:
            raise _ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": "u" + file_id.rsplit("-", 1)[-1], "file_size": len(content),
                "file_path": path}

    def _m_sendchataction(self, p: dict) -> bool:
        return True

    def _chat_id(self, p: dict) -> int:
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, int):
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _reply_to(self, p: dict) -> int | None:
        if p.get("reply_to_message_id") is not None:
            return int(p["reply_to_message_id"])
        rp = p.get("reply_parameters")
        if isinstance(rp, dict) and rp.get("message_id") is not None:
            return int(rp["message_id"])
        return None

    def _m_sendmessage(self, p: dict) -> dict:
        chat_id = self._chat_id(p)
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        _check_markup(p.get("reply_markup"))
        with self.cond:
            m = SentMessage(chat_id=chat_id, message_id=self._next_message_id(chat_id), text=text,
                            reply_markup=p.get("reply_markup"), parse_mode=p.get("parse_mode"),
                            reply_to_message_id=self._reply_to(p), date=int(time.time()))
            self.sent.append(m)
            self._sent_index[(chat_id, m.message_id)] = m
            self.cond.notify_all()
            return self._api_message(m)

    def _m_senddocument(self, p: dict) -> dict:
        chat_id = self._chat_id(p)
        doc = p.get("document")
        if not isinstance(doc, dict):
            raise _ApiError(400, "Bad Request: there is no document in the request")
        with self.cond:
            m = SentMessage(chat_id=chat_id, message_id=self._next_message_id(chat_id), text=None,
                            reply_markup=p.get("reply_markup"), document=doc, caption=p.get("caption"),
                            reply_to_message_id=self._reply_to(p), date=int(time.time()))
            self.sent.append(m)
            self._sent_index[(chat_id, m.message_id)] = m
            self.cond.notify_all()
            return self._api_message(m)

    def _target(self, p: dict) -> SentMessage:
        chat_id = self._chat_id(p)
        m = self._sent_index.get((chat_id, int(p.get("message_id") or 0)))
        if m is None or m.deleted:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return m

    def _m_editmessagetext(self, p: dict) -> dict:
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > 4096:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        _check_markup(p.get("reply_markup"))
        with self.cond:
            m = self._target(p)
            markup = p.get("reply_markup")
            if m.text == text and m.reply_markup == markup:
                raise _ApiError(400, "Bad Request: message is not modified: specified new message content and "
                                     "reply markup are exactly the same as a current content and reply markup of "
                                     "the message")
            m.edits.append(m.text or "")
            m.text = text
            m.reply_markup = markup
            m.parse_mode = p.get("parse_mode")
            self.cond.notify_all()
            return self._api_message(m)

    def _m_editmessagereplymarkup(self, p: dict) -> dict:
        _check_markup(p.get("reply_markup"))
        with self.cond:
            m = self._target(p)
            markup = p.get("reply_markup")
            if m.reply_markup == markup:
                raise _ApiError(400, "Bad Request: message is not modified")
            m.reply_markup = markup
            self.cond.notify_all()
            return self._api_message(m)

    def _m_deletemessage(self, p: dict) -> bool:
        with self.cond:
            chat_id = self._chat_id(p)
            m = self._sent_index.get((chat_id, int(p.get("message_id") or 0)))
            if m is None or m.deleted:
                raise _ApiError(400, "Bad Request: message to delete not found")
            m.deleted = True
            self.cond.notify_all()
        return True

    def _m_answercallbackquery(self, p: dict) -> bool:
        if not p.get("callback_query_id"):
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        with self.cond:
            self.callback_answers.append(dict(p))
            self.cond.notify_all()
        return True


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _check_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []) or []:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not (1 <= len(data.encode("utf-8")) <= 64):
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")


def _coerce(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in _INT_FIELDS:
                try:
                    value = int(value)
                except ValueError:
                    pass
            elif key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            elif key in _BOOL_FIELDS:
                value = value.lower() in ("true", "1")
        out[key] = value
    return out


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            out[name] = {"file_name": filename, "content": payload,
                         "mime_type": part.get_content_type() or "application/octet-stream"}
        else:
            out[name] = payload.decode("utf-8", "replace")
    # Files uploaded through "attach://name" references
    for key, value in list(out.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            ref = value[len("attach://"):]
            if isinstance(out.get(ref), dict):
                out[key] = out.pop(ref)
    return out


class _QuietServer(ThreadingHTTPServer):
    #: Listen backlog (socketserver's default is 5): hundreds of clients connecting at once (benchmarks) must not
    #: see their connections dropped or reset.
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client that went away (e.g. the bot stopping mid long-poll)
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBotApi
    protocol_version = "HTTP/1.1"
    #: Headers and body go out in two writes: with Nagle's algorithm on, the body waits for the client's delayed ACK
    #: (40 ms on Linux) on a kept-alive connection; Telegram's servers add no such delay.
    disable_nagle_algorithm = True
    server_version = "FakeBotApi/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the default stderr log
        return

    def do_GET(self) -> None:  # noqa: N802
        self._serve(b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._serve(body)

    def _serve(self, body: bytes) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        if parts.path.startswith("/_control/"):
            self._control(parts.path[len("/_control/"):], parse_qs(parts.query), body)
            return
        segments = parts.path.strip("/").split("/")
        if len(segments) >= 3 and segments[0] == "file" and segments[1].startswith("bot"):
            self._download(unquote(segments[1][3:]), unquote("/".join(segments[2:])))  # PTB quotes the path
            return
        if len(segments) != 2 or not segments[0].startswith("bot"):
            self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = segments[0][3:], segments[1]
        if token != fake.token:
            with fake.cond:
                fake.unauthorized_calls += 1
            self._send(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        ctype = self.headers.get("Content-Type") or ""
        try:
            if body:
                if ctype.startswith("application/json"):
                    params.update(json.loads(body))
                elif ctype.startswith("multipart/form-data"):
                    params.update(_parse_multipart(ctype, body))
                else:
                    params.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()})
        except ValueError:
            self._send(400, {"ok": False, "error_code": 400, "description": "Bad Request: can't parse request"})
            return
        params = _coerce(params)

        fault = fake._take_fault(method)
        if fault is None and fake.fault_hook is not None:
            chosen = fake.fault_hook(method, params)
            fault = Fault(kind=chosen) if isinstance(chosen, str) else chosen
        if fault is not None:
            with fake.cond:
                fake.faults.append((method, params, fault.kind))
        if fault is not None and fault.kind in ("lost", "hang"):
            # Telegram never got the request: nothing processed, no answer.
            with fake.cond:
                fake.calls.append((method + "#" + fault.kind, params))
                fake.cond.notify_all()
            if fault.kind == "hang":
                with fake.cond:
                    fake.cond.wait_for(lambda: fake._closing, fault.delay)
            self.close_connection = True
            return
        if fault is not None and fault.kind in ("429", "500", "502"):
            with fake.cond:
                fake.calls.append((method + "#fault", params))
                fake.cond.notify_all()
            if fault.kind == "429":
                self._send(429, {"ok": False, "error_code": 429,
                                 "description": f"Too Many Requests: retry after {fault.retry_after}",
                                 "parameters": {"retry_after": fault.retry_after}})
            else:
                code = int(fault.kind)
                self._send(code, {"ok": False, "error_code": code,
                                  "description": HTTPStatus(code).phrase})
            return

        status, payload = fake.handle(method, params)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            self.wfile.flush()
            return
        if fault is not None and fault.kind == "timeout":
            with fake.cond:
                fake.cond.wait_for(lambda: fake._closing, fault.delay)
            self.close_connection = True
            return
        self._send(status, payload)

    def _control(self, action: str, query: dict, body: bytes) -> None:
        """Out-of-process control (``python -m tests.fakebotapi``): push updates, read what the bot sent."""
        fake = self.fake
        try:
            args = json.loads(body) if body else {}
            q = {k: v[-1] for k, v in query.items()}
            if action == "text":
                result: Any = fake.push_text(args["user"], args.get("chat"), args["text"], args.get("reply_to"))
            elif action == "callback":
                result = fake.push_callback(args["user"], args.get("chat"), int(args["message_id"]), args["data"])
            elif action == "contact":
                result = fake.push_contact(args["user"], args.get("chat"), args.get("phone", "+33600000000"))
            elif action in ("messages", "wait"):
                chat_id, after = int(q["chat_id"]), int(q.get("after", 0))
                if action == "wait":
                    count, timeout = int(q.get("count", 1)), float(q.get("timeout", 10))
                    with fake.cond:
                        fake.cond.wait_for(lambda: len(fake.messages_to(chat_id)) >= after + count, timeout)
                result = [{"message_id": m.message_id, "text": m.text, "buttons": m.buttons, "deleted": m.deleted,
                           "reply_markup": m.reply_markup} for m in fake.messages_to(chat_id)[after:]]
            else:
                self._send(404, {"ok": False, "description": "unknown control action"})
                return
        except (KeyError, ValueError, TypeError) as exc:
            self._send(400, {"ok": False, "description": f"bad control call: {exc}"})
            return
        self._send(200, {"ok": True, "result": result})

    def _download(self, token: str, file_path: str) -> None:
        """``GET /file/bot<token>/<file_path>``: the bytes of a file, as Telegram's file server sends them."""
        fake = self.fake
        with fake.cond:
            found = next((c for p, c in fake.files.values() if p == file_path), None) if token == fake.token else None
            if found is not None:
                fake.downloads.append(file_path)
                fake.cond.notify_all()
        if found is None:
            self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(found)))
            self.end_headers()
            self.wfile.write(found)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
