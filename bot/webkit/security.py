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
import ipaddress
import logging
import os
import secrets
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

# Login throttling: bot/webkit/throttle.py (issue 25: failures only, by address and agent).


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
    """The client's address: the peer, or behind a trusted reverse proxy the address it vouches for
    (:class:`ForwardedFor`, installed by :func:`bot.web.app.create_app`; see docs/operations.md)."""
    return request.client.host if request.client else "unknown"


# --- issue 25: the client's address from the proxies the deployment names, never from what the client sent ---------
def _ip(text: str) -> Any:
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1 and "." in text:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxies:
    """``GUICHET_WEB_TRUSTED_PROXIES`` (addresses or CIDRs, comma-separated). ``*`` (kept for
    ``GUICHET_WEB_FORWARDED_ALLOW_IPS=*``) trusts any peer as the one proxy in front: the client is then the
    rightmost address of ``X-Forwarded-For``, never a hop the client itself wrote."""

    def __init__(self, spec: str | None) -> None:
        self.any_peer = False
        self.networks: list[Any] = []
        for part in (spec or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if part == "*":
                self.any_peer = True
                continue
            try:
                self.networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"not an address nor a network: {part!r}") from None

    def __bool__(self) -> bool:
        return self.any_peer or bool(self.networks)

    def trusted(self, address: Any) -> bool:
        return address is not None and any(address in net for net in self.networks if address.version == net.version)

    def client(self, peer: str, forwarded_for: list[str]) -> str | None:
        """The client's address for a request from ``peer`` carrying these ``X-Forwarded-For`` values, or None
        (keep the peer). Walk the hops from the right (the nearest proxy's), skipping trusted proxies: the first
        other address is the client. Hops to its left were written by the client and are never believed."""
        peer_ip = _ip(peer)
        if not (self.any_peer or self.trusted(peer_ip)):
            return None
        hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
        if not hops:
            return None
        chosen = None
        for hop in reversed(hops):
            ip = _ip(hop)
            if ip is None:  # garbage where an address should be: believe none of it
                return chosen
            chosen = str(ip)
            if not self.trusted(ip):
                return chosen
        return chosen  # every hop a proxy of ours: the leftmost one


def trusted_proxies(settings: Any) -> TrustedProxies:
    spec = getattr(settings, "web_trusted_proxies", None)
    if spec is None or not str(spec).strip():
        spec = getattr(settings, "web_forwarded_allow_ips", "") or ""
    return TrustedProxies(str(spec))


class ForwardedFor:
    """ASGI middleware: behind a trusted proxy, the connection's client address and scheme become the ones the proxy
    vouches for (``X-Forwarded-For``: see :meth:`TrustedProxies.client`; ``X-Forwarded-Proto``: http or https);
    from anyone else, the headers are ignored. Everything that reads ``request.client`` (limits, logs) then sees
    the real client."""

    def __init__(self, app: Any, trusted: TrustedProxies) -> None:
        self.app = app
        self.proxies = trusted

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies and scope.get("client"):
            peer = scope["client"][0]
            values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
            client = self.proxies.client(peer, values) if values else None
            if client is not None or (self.proxies.any_peer or self.proxies.trusted(_ip(peer))):
                # in place, as uvicorn's own proxy middleware does: the error handler outside sees it too
                if client is not None:
                    scope["client"] = (client, 0)
                protos = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-proto"]
                proto = protos[-1].split(",")[-1].strip().lower() if protos else ""
                if proto in ("http", "https"):
                    scope["scheme"] = proto if scope["type"] == "http" else {"http": "ws", "https": "wss"}[proto]
        await self.app(scope, receive, send)


def address_key(request: Request, scope: str, extra: str | None = None) -> str:
    """``scope:`` and a keyed hash of the client's address (and ``extra``, e.g. an agent id) (HMAC with a key derived
    from the secret key), for the rate-limit tables: they keep no address."""
    from bot.store.ratelimit import hashed_key

    state = request.app.state
    key = getattr(state, "rate_limit_key", None)
    if key is None:
        key = state.rate_limit_key = hashlib.sha256(b"ratelimit:" + secret_key(state.settings).encode()).digest()
    value = client_address(request) if extra is None else f"{client_address(request)}\x1f{extra}"
    return hashed_key(scope, value, key)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}
