"""HTTP side of the web chat: the page at ``/`` (server-rendered; plain form posts work without JavaScript, a few
lines of JS post in the background and poll for staff messages), ``POST /message``, ``GET /messages?after=N``
(fragment for polling), ``POST /deconnexion``, ``POST /piece`` (a file, issue 20: :mod:`bot.channels.web.files`).

Public page, public threats: every form carries a CSRF token (HMAC of the session cookie); bodies are capped
(``GUICHET_WEB_MAX_BODY_BYTES``); posts are rate-limited per browser session and all requests per client address
(in the database, one budget for all the workers, keys hashed: :mod:`bot.store.ratelimit`), and the engine's flood
rules apply on top as on Telegram; everything a person typed is rendered escaped (Jinja2 autoescape); the cookie is
HttpOnly, SameSite=Lax, Secure when ``GUICHET_PUBLIC_URL`` is https; no personal data in URLs (posts only) nor in
logs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.channels.web import identity as I
from bot.channels.web.adapter import LOGIN_DATA, Message, WebChat
from bot.channels.web.render import choice, rich_text
from bot.channels.web.files import post_file
from bot.store.ratelimit import DatabaseRateLimiter, MemoryRateLimiter, RateLimiter
from bot.store.repository import StoreUnavailable
from bot.texts import dialogue as T, web as W

log = logging.getLogger(__name__)

from bot.channels.web import COOKIE  # noqa: E402 - re-exported: tests and the benchmark import it from here
COOKIE_MAX_AGE = int(I.SESSION_MAX_IDLE.total_seconds())
STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


#: Limiters of the chat: built once per app from a name, a limit, the chat and a window in seconds (default 60; see
#: :func:`shared_limiter`).
LimiterFactory = Callable[..., RateLimiter]


def memory_limiter(name: str, limit: int, chat: WebChat, window: int = 60) -> RateLimiter:
    """Per process, in memory (tests, or ``GUICHET_WEB_SHARED_RATE_LIMITS=false``)."""
    return MemoryRateLimiter(limit, float(window))


def shared_limiter(name: str, limit: int, chat: WebChat, window: int = 60) -> RateLimiter:
    """In the chat's database, shared by every worker; keys hashed with the chat's secret (no raw address stored);
    per process in memory while the database fails (see :mod:`bot.store.ratelimit`)."""
    return DatabaseRateLimiter(chat.store, name, limit, window, secret=chat.secret)


class ChatPages:
    """The chat's handlers. Bound to a :class:`WebChat` given here, or found at the first request in
    ``app.state.webchat`` (set by :func:`webchat_running` in the server's lifespan), else built over
    ``app.state.guichet`` (an ASGI test without lifespan: no background workers)."""

    def __init__(self, chat: WebChat | None = None, limiters: LimiterFactory | None = None) -> None:
        self.chat: WebChat = None  # type: ignore[assignment]
        self.make_limiter = limiters
        if chat is not None:
            self._bind_chat(chat)

    def _bind(self, request: Request) -> None:
        if self.chat is None:
            chat = getattr(request.app.state, "webchat", None)
            if chat is None:
                g = request.app.state.guichet
                chat = request.app.state.webchat = WebChat(g.engine, g.store, g.settings)
            self._bind_chat(chat)

    def _bind_chat(self, chat: WebChat) -> None:
        import jinja2

        self.chat = chat
        self.settings = chat.settings
        self.secure = self.settings.public_url.startswith("https://")
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
                                      autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        self.env.globals["T"] = W
        self.env.filters["rich"] = rich_text
        self.env.filters["choice"] = choice
        from bot.texts import files as TF

        self.env.globals["TF"] = TF
        make = self.make_limiter or (shared_limiter if self.settings.web_shared_rate_limits else memory_limiter)
        self.per_session = make("chat-session", int(self.settings.web_max_posts_per_minute), chat)
        self.per_address = make("chat-address", int(self.settings.web_max_requests_per_minute_per_address), chat)
        # issue 25: a new person and session (a post without a live session) counts against the client's address and
        # a global budget, per hour: dropping the cookie does not escape the limits
        self.new_per_address = make("chat-new-address", int(self.settings.web_max_new_sessions_per_hour_per_address),
                                    chat, 3600)
        self.new_global = make("chat-new-global", int(self.settings.web_max_new_sessions_per_hour), chat, 3600)
        self.max_body = int(self.settings.web_max_body_bytes)

    # --- helpers ---------------------------------------------------------------------------------------------------
    def csrf_for(self, token: str) -> str:
        return hmac.new(self.chat.secret, f"csrf:{token}".encode(), hashlib.sha256).hexdigest()[:40]

    def _cookie(self, response: Response, token: str) -> None:
        response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, httponly=True, secure=self.secure,
                            samesite="lax", path="/")

    def _headers(self, response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    def _error(self, status: int, text: str) -> Response:
        return self._headers(HTMLResponse(self.env.get_template("error.html").render(message=text), status_code=status))

    @staticmethod
    def _host(request: Request) -> str:
        """The client's address (behind a trusted proxy, the one it vouches for: bot.webkit.security.ForwardedFor)."""
        return request.client.host if request.client else "?"

    async def _address_ok(self, request: Request) -> bool:
        return await self.per_address.allow(self._host(request))

    async def _may_create(self, request: Request) -> bool:
        """One more new person and session from this client, within its budget and the global one."""
        return await self.new_per_address.allow(self._host(request)) and await self.new_global.allow("all")

    @staticmethod
    def _active(messages: list[Message]) -> int | None:
        """Id of the message whose buttons are still usable: the last bot message after the person's last one."""
        for m in reversed(messages):
            if m.author == "person":
                return None
            if m.buttons:
                return m.id
        return None

    @staticmethod
    def _composer(session: I.WebSession | None) -> str:
        """What the message field asks for: ``code`` (the e-mail code: numeric keypad, one-time-code), ``email``, or
        ``text``."""
        step = ((session.data.get("verify") or {}).get("step") if session is not None else None) or "text"
        return step if step in ("code", "email") else "text"

    def _render_messages(self, messages: list[Message], csrf: str, active: int | None) -> str:
        return self.env.get_template("messages.html").render(messages=messages, csrf=csrf, active=active,
                                                             new_key=lambda: secrets.token_urlsafe(12))

    # --- pages -----------------------------------------------------------------------------------------------------
    async def page(self, request: Request) -> Response:
        self._bind(request)
        if not await self._address_ok(request):
            return self._error(429, W.TOO_MANY)
        token = request.cookies.get(COOKIE)
        try:
            session, messages = await self.chat.poll(token, 0, fresh=True)
            if session:
                await self.chat.seen(session)
        except StoreUnavailable:
            return self._error(503, W.UNAVAILABLE)
        fresh = None
        if session is None:
            # a token for the forms only; never stored as is (the first post gets a server-made session)
            fresh = token = I.new_token()
        csrf = self.csrf_for(token or "")
        html = self.env.get_template("chat.html").render(
            messages_html=self._render_messages(messages, csrf, self._active(messages)), csrf=csrf,
            key=secrets.token_urlsafe(12), last_id=messages[-1].id if messages else 0,
            email=session.email if session and session.email_confirmed else None, login_data=LOGIN_DATA,
            has_session=session is not None, composer=self._composer(session),
        )
        response = self._headers(HTMLResponse(html))
        if fresh:
            self._cookie(response, fresh)
        return response

    async def _form(self, request: Request) -> dict[str, str] | Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return self._error(413, W.TOO_LARGE)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return self._error(415, W.BAD_REQUEST)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body:
                return self._error(413, W.TOO_LARGE)
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            return self._error(400, W.BAD_REQUEST)
        return {k: v[0] for k, v in parsed.items() if v}

    async def _checked_form(self, request: Request) -> tuple[dict[str, str], str] | Response:
        """(the form, the cookie token) when the body is acceptable and its CSRF token matches the cookie; else the
        error page (413, 415, 400, 403)."""
        form = await self._form(request)
        if isinstance(form, Response):
            return form
        token = request.cookies.get(COOKIE)
        given = form.get("csrf", "")
        if not token or not given or not hmac.compare_digest(self.csrf_for(token), given):
            return self._error(403, W.FORM_EXPIRED)
        return form, token

    async def post_message(self, request: Request) -> Response:
        started = time.perf_counter()
        response = await self._post_message(request)
        # the server's own time, read by the benchmark (no personal data)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    async def _post_message(self, request: Request) -> Response:
        self._bind(request)
        if not await self._address_ok(request):
            return self._error(429, W.TOO_MANY)
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        form, token = checked
        background = request.headers.get("x-requested-with") == "fetch"
        try:
            data = form.get("data")
            session, label = await self.chat.session_and_label(token, data)
            new_token = None
            if session is None:
                if not await self._may_create(request):
                    return self._error(429, W.TOO_MANY_NEW)
                new_token, session = await self.chat.new_session()
            session.client = I.client_hash(self.chat.secret, self._host(request))
            if not await self.per_session.allow(session.person_id):
                return self._error(429, W.TOO_MANY)
            kind = "button" if data is not None else "text"
            after_raw = form.get("after", "")
            after = int(after_raw) if background and after_raw.isdigit() and len(after_raw) < 18 else 0
            try:
                result = await self.chat.post(session, kind=kind, text=form.get("text"), data=data,
                                              key=form.get("key", ""), after=after if background else None,
                                              label=label)
            except ValueError:
                return self._error(400, W.BAD_REQUEST)
            new_token = result.token or new_token
            session = result.session
            messages = result.messages or []
        except StoreUnavailable:
            return self._error(503, W.UNAVAILABLE)
        if background:
            csrf = self.csrf_for(new_token or token)
            response: Response = HTMLResponse(self._render_messages(messages, csrf, self._active(messages)))
            response.headers["X-Csrf"] = csrf
            response.headers["X-Composer"] = self._composer(session)
        else:
            response = RedirectResponse("/#saisie", status_code=303)
        if new_token:
            self._cookie(response, new_token)
        return self._headers(response)

    async def poll(self, request: Request) -> Response:
        self._bind(request)
        if not await self._address_ok(request):
            return self._error(429, W.TOO_MANY)
        after_raw = request.query_params.get("after", "0")
        after = int(after_raw) if after_raw.isdigit() and len(after_raw) < 18 else 0
        token = request.cookies.get(COOKIE)
        try:
            session, messages = await self.chat.poll(token, after)
            if session is None:
                return self._headers(Response(status_code=204))
            await self.chat.seen(session)
        except StoreUnavailable:
            return self._headers(Response(status_code=503))
        if not messages:
            return self._headers(Response(status_code=204))
        return self._headers(HTMLResponse(self._render_messages(messages, self.csrf_for(token or ""),
                                                                self._active(messages))))

    async def logout(self, request: Request) -> Response:
        self._bind(request)
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        session = await self.chat.session(checked[1])
        if session is not None:
            await self.chat.logout(session)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return self._headers(response)

    async def privacy(self, request: Request) -> Response:
        """``/confidentialite``: the full privacy notice as a page (the chat's footer links to it)."""
        self._bind(request)
        s = self.settings
        text = T.privacy_full(s.controller, s.controller_contact, s.privacy_url, s.retention_closed_months,
                              s.retention_unfinished_days)
        return self._headers(HTMLResponse(self.env.get_template("privacy.html").render(text=text)))

    async def static(self, request: Request) -> Response:
        self._bind(request)
        name = request.path_params["name"]
        types = {"chat.js": "text/javascript", "chat.css": "text/css"}
        if name not in types:
            return self._error(404, W.NOT_FOUND)
        response = Response((STATIC_DIR / name).read_bytes(), media_type=types[name])
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


@asynccontextmanager
async def webchat_running(app: Any) -> AsyncIterator[None]:
    """In the server's lifespan, once ``app.state.guichet`` is started: the chat's e-mail sender and staff-message
    delivery run in the background."""
    g = app.state.guichet
    chat = WebChat(g.engine, g.store, g.settings)
    app.state.webchat = chat
    chat.start()
    try:
        yield
    finally:
        await chat.stop()


def chat_routes(chat: WebChat | None = None, limiters: LimiterFactory | None = None) -> list[Route]:
    """The routes to mount at the site's root (``/``): ``app.router.routes.extend(chat_routes())``. They are plain
    Starlette routes with the chat's own CSRF token (tied to the chat's cookie, not to the console's session).
    ``limiters``: how the rate limiters are made (default: :func:`shared_limiter`, or :func:`memory_limiter` when
    ``GUICHET_WEB_SHARED_RATE_LIMITS=false``)."""
    pages = ChatPages(chat, limiters)
    return [
        Route("/", pages.page, methods=["GET"], name="chat"),
        Route("/message", pages.post_message, methods=["POST"], name="chat_message"),
        Route("/messages", pages.poll, methods=["GET"], name="chat_poll"),
        Route("/deconnexion", pages.logout, methods=["POST"], name="chat_logout"),
        Route("/confidentialite", pages.privacy, methods=["GET"], name="chat_privacy"),
        Route("/piece", functools.partial(post_file, pages), methods=["POST"], name="chat_file"),  # issue 20
        Route("/chat/static/{name}", pages.static, methods=["GET"], name="chat_static"),
    ]


def create_chat_app(chat: WebChat, *, workers: bool = True, limiters: LimiterFactory | None = None) -> Any:
    """A Starlette app with the chat alone (tests, the benchmark). ``guichet serve`` mounts :func:`chat_routes` in
    the console's app instead."""
    from starlette.applications import Starlette

    @asynccontextmanager
    async def lifespan(_app: Any):
        if workers:
            chat.start()
        try:
            yield
        finally:
            if workers:
                await chat.stop()

    return Starlette(routes=chat_routes(chat, limiters), lifespan=lifespan)
