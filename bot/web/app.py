"""The ASGI app factory.

    from bot.web.app import create_app
    app = create_app(guichet)        # guichet: a started bot.app.App (tests, or a caller that owns it)
    app = create_app()               # starts (and closes) its own App in the lifespan (``guichet serve``)

Routers: the staff console under ``/console`` (:mod:`bot.console.routes`); the mayors' web chat goes at ``/``.
Every route gets the app-wide CSRF check (:func:`bot.webkit.security.csrf_protect`).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from bot.config import Settings, load_settings
from bot.logsafe import safe_traceback
from bot.store.repository import StoreUnavailable
from bot.texts import console as T
from bot.webkit import security, sessions
from bot.webkit.templating import render

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parents[1] / "webkit" / "static"
LOGIN_PATH = "/console/connexion"


def create_app(guichet: Any | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the web app over ``guichet`` (a started :class:`bot.app.App`), or over an App started in the lifespan
    from ``settings`` (default: the environment)."""
    if guichet is not None:
        settings = guichet.settings
    settings = settings or load_settings()
    if guichet is None:  # ``guichet serve``'s workers (uvicorn calls this factory in each): the one logging set-up
        from bot import logsafe

        logsafe.setup_logging(settings, handlers=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from bot.channels.mail.channel import mail_running  # issue 20: the mailbox, when GUICHET_IMAP_HOST is set
        from bot.channels.web.routes import webchat_running  # issue 13: the chat's e-mail and staff messages
        from bot.console.maintenance import refresh_planner_stats

        if guichet is not None:
            await refresh_planner_stats(guichet.store)
            async with webchat_running(app), mail_running(app):
                yield
            return
        from bot.app import App

        started = await App.start(settings)
        app.state.guichet = started
        try:
            await refresh_planner_stats(started.store)
            async with webchat_running(app), mail_running(app):
                yield
        finally:
            await started.close()

    app = FastAPI(
        title="Guichet",
        docs_url=None, redoc_url=None, openapi_url=None,
        lifespan=lifespan,
        dependencies=[Depends(security.csrf_protect)],
    )
    app.state.guichet = guichet
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=security.secret_key(settings),
        session_cookie=security.SESSION_COOKIE,
        max_age=int(sessions.lifetime_of(settings).total_seconds()),
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )

    # issue 25: the client's address from the proxies the deployment names (outermost: every layer sees it)
    app.add_middleware(security.ForwardedFor, trusted=security.trusted_proxies(settings))

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for name, value in security.SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/console"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    from bot.console.routes import router as console_router

    app.include_router(console_router)
    from bot.channels.web.routes import chat_routes

    app.router.routes.extend(chat_routes())  # issue 13: the mayors' web chat at /
    _install_error_pages(app)
    return app


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401:
            target = LOGIN_PATH
            if request.method == "GET":
                target += "?suite=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            if request.headers.get("HX-Request"):
                return Response(status_code=401, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        title, text = {
            403: (T.CSRF_TITLE, T.CSRF_FAILED) if exc.detail == "csrf" else (T.FORBIDDEN_TITLE, T.FORBIDDEN),
            404: (T.NOT_FOUND_TITLE, T.NOT_FOUND),
            405: (T.NOT_FOUND_TITLE, T.NOT_FOUND),
            413: (T.TOO_LARGE, T.TOO_LARGE),
            429: (T.LOGIN_TOO_MANY, T.LOGIN_TOO_MANY),
        }.get(exc.status_code, (T.NOT_FOUND_TITLE, str(exc.detail)))
        return _error_page(request, exc.status_code, title, text)

    @app.exception_handler(RequestValidationError)
    async def _bad_input(request: Request, exc: RequestValidationError) -> Response:
        return _error_page(request, 400, T.NOT_FOUND_TITLE, T.BAD_INPUT)

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, exc: StoreUnavailable) -> Response:
        return _error_page(request, 503, T.UNAVAILABLE, T.UNAVAILABLE)

    # issue 25: a number the database cannot hold is the user's input, not our failure: 400, never 500
    @app.exception_handler(OverflowError)
    @app.exception_handler(sa_exc.DataError)
    async def _out_of_range(request: Request, exc: Exception) -> Response:
        log.warning("input out of range on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return _error_page(request, 400, T.NOT_FOUND_TITLE, T.BAD_INPUT)

    # issue 25: whatever else fails, the error page carries the security headers (this handler runs outside the
    # middlewares) and the log carries the error's type and frames, never its message (it may quote input)
    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s\n%s", request.method, request.url.path, safe_traceback(exc))
        try:
            return _error_page(request, 500, T.INTERNAL_TITLE, T.INTERNAL)
        except Exception:  # noqa: BLE001 - the page itself failed: plain text, same headers
            return _secured(Response(T.INTERNAL, status_code=500, media_type="text/plain; charset=utf-8"), request)


def _secured(response: Response, request: Request) -> Response:
    """The headers every page carries (the middleware adds them too; error pages raised past it need them here)."""
    for name, value in security.SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.path.startswith("/console"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error_page(request: Request, status: int, title: str, text: str) -> Response:
    if not hasattr(request.state, "agent"):
        request.state.agent = None
    return _secured(render(request, "error.html", {"title": title, "text": text}, status_code=status), request)
