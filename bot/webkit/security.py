"""Secret key, CSRF, login rate limit, security headers.

Sessions are Starlette's signed cookie (``guichet_session``: HTTP-only, ``Secure`` when ``GUICHET_PUBLIC_URL`` is
https, ``SameSite=Lax``, 12 hours); they hold only ids and tokens (agent id, CSRF token, OIDC state and nonce).

CSRF: a random token per session (:func:`csrf_token`), sent back by every form (hidden field ``csrf_token``) or by
htmx (header ``X-CSRF-Token``, set once on ``<body hx-headers>``). :func:`csrf_protect` is an app-wide dependency:
every POST, PUT, PATCH or DELETE without the session's token is refused with 403, whatever the route.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "guichet_session"
SESSION_MAX_AGE = 12 * 3600
#: Largest request body accepted by any form (bytes); bigger is refused with 413 before being read.
MAX_BODY_BYTES = 256 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

#: Login attempts allowed per client address in the window (links, ProConnect starts and callbacks).
LOGIN_ATTEMPTS = 20
LOGIN_WINDOW = timedelta(minutes=15)


class CsrfError(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=403, detail="csrf")


def secret_key(settings: Any) -> str:
    """``GUICHET_SECRET_KEY``, or a key generated once and kept (mode 0600) in the data directory."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value().strip():
        return settings.secret_key.get_secret_value()
    from bot.config import default_data_dir

    path = Path(os.environ.get("GUICHET_SECRET_KEY_FILE") or default_data_dir() / "secret_key")
    try:
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    log.info("generated a secret key in %s (set GUICHET_SECRET_KEY to share one between hosts)", path)
    return key


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: refuse an unsafe method without the session's CSRF token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise HTTPException(status_code=413, detail="too_large")
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                form = await request.form(max_files=0, max_fields=200)
            except Exception:  # noqa: BLE001 - a malformed body is a refused form, not a crash
                raise CsrfError() from None
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and sent and hmac.compare_digest(expected.encode(), sent.encode())):
        raise CsrfError()


def client_address(request: Request) -> str:
    """The client's address (behind a reverse proxy, uvicorn's proxy headers handling sets it from
    ``X-Forwarded-For`` when the proxy is trusted: see docs/operations.md)."""
    return request.client.host if request.client else "unknown"


def address_key(request: Request, scope: str) -> str:
    """``scope:`` and a keyed hash of the client's address (HMAC with a key derived from the secret key), for the
    rate-limit tables: they keep no address."""
    from bot.store.ratelimit import hashed_key

    state = request.app.state
    key = getattr(state, "rate_limit_key", None)
    if key is None:
        key = state.rate_limit_key = hashlib.sha256(b"ratelimit:" + secret_key(state.settings).encode()).digest()
    return hashed_key(scope, client_address(request), key)


async def allow_login_attempt(request: Request, store: Any, scope: str = "login") -> bool:
    """Count one login attempt from this address; False when it is over the limit (then refuse with 429).

    Kept in the database, so the limit holds across workers; the address is stored hashed (:func:`address_key`)."""
    from bot.store.tables import utcnow

    key = address_key(request, scope)
    now = utcnow()
    async with store.unit() as uow:
        if await uow.count_login_attempts(key, now - LOGIN_WINDOW) >= LOGIN_ATTEMPTS:
            return False
        await uow.record_login_attempt(key, prune_before=now - LOGIN_WINDOW * 4)
    return True


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}
