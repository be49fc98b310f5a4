"""ProConnect (OpenID Connect) login for State agents, with Authlib.

ProConnect's rules (numerique-gouv/proconnect-documentation, doc_fs/implementation_technique.md), all applied here:

* ``state`` and ``nonce``: random, 43 characters (>= 32 required), kept in the session, checked on return;
* no query parameter beyond the protocol's in the authorization URL (any extra one fails with ``Y000400``);
* ``redirect_uri`` exactly ``{GUICHET_PUBLIC_URL}/console/connexion/proconnect/retour`` (register it so);
* the code is exchanged at once (it expires after 30 s), ``client_secret_post``;
* the ``id_token`` is verified (signature against the provider's JWKS, or the client secret for HS256; ``iss``,
  ``aud``, ``exp``, ``nonce``);
* the userinfo endpoint answers ``application/jwt`` (a signed JWT, verified likewise); plain JSON is accepted too,
  for other providers; its ``sub`` must be the id_token's.

The agent is found by the e-mail address ProConnect gives (``guichet agents add`` first): ProConnect proves who the
person is, the console decides what they may do. Settings: ``GUICHET_PROCONNECT_ISSUER`` (e.g.
``https://auth.agentconnect.gouv.fr/api/v2``; discovery at ``{issuer}/.well-known/openid-configuration``),
``GUICHET_PROCONNECT_CLIENT_ID``, ``GUICHET_PROCONNECT_CLIENT_SECRET``, ``GUICHET_PROCONNECT_SCOPES``.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.auth import safe_next, start_session
from bot.texts import console as T
from bot.webkit.deps import guichet
from bot.webkit import throttle
from bot.webkit.templating import flash, render

log = logging.getLogger(__name__)

router = APIRouter(prefix="/console/connexion/proconnect")
CALLBACK_PATH = "/console/connexion/proconnect/retour"
METADATA_TTL = 3600.0
HTTP_TIMEOUT = 10.0
SESSION_KEY = "oidc"


class ProConnectError(Exception):
    """The login could not be completed (logged; the person sees a short French message)."""


def configured(settings: Any) -> bool:
    return bool(settings.proconnect_issuer and settings.proconnect_client_id and settings.proconnect_client_secret)


def redirect_uri(settings: Any) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


class Provider:
    """The provider's metadata and keys, fetched on first use and kept an hour (keys again on an unknown ``kid``)."""

    def __init__(self, settings: Any) -> None:
        self.issuer = settings.proconnect_issuer.rstrip("/")
        self.client_id = settings.proconnect_client_id
        self.client_secret = settings.proconnect_client_secret.get_secret_value()
        self.scopes = settings.proconnect_scopes
        self._meta: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._at = 0.0

    async def metadata(self, client: httpx.AsyncClient) -> dict[str, Any]:
        if self._meta is None or time.monotonic() - self._at > METADATA_TTL:
            r = await client.get(self.issuer + "/.well-known/openid-configuration")
            r.raise_for_status()
            meta = r.json()
            if meta.get("issuer", "").rstrip("/") != self.issuer:
                raise ProConnectError(f"issuer mismatch: {meta.get('issuer')!r}")
            self._meta, self._jwks, self._at = meta, None, time.monotonic()
        return self._meta

    async def jwks(self, client: httpx.AsyncClient, refresh: bool = False) -> dict[str, Any]:
        if self._jwks is None or refresh:
            r = await client.get((await self.metadata(client))["jwks_uri"])
            r.raise_for_status()
            self._jwks = r.json()
        return self._jwks

    async def verify(self, client: httpx.AsyncClient, token: str, **expected: Any) -> dict[str, Any]:
        """Decode and check a JWT from the provider (id_token or userinfo); ``expected``: claims that must equal."""
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet, OctKey

        from joserfc.jws import extract_compact

        try:
            header = extract_compact(token.encode("ascii")).headers()
        except Exception:  # noqa: BLE001 - not a compact JWS at all
            raise ProConnectError("not a JWT") from None
        alg = str(header.get("alg", ""))
        for attempt in (0, 1):
            try:
                if alg.startswith("HS"):
                    key: Any = OctKey.import_key(self.client_secret)
                else:
                    key = KeySet.import_key_set(await self.jwks(client, refresh=attempt == 1))
                decoded = jwt.decode(token, key, algorithms=["RS256", "ES256", "HS256", "PS256", "RS384", "ES384"])
                break
            except (JoseError, ValueError) as exc:
                if attempt == 1 or alg.startswith("HS"):
                    raise ProConnectError(f"invalid token signature: {type(exc).__name__}") from None
        claims = dict(decoded.claims)
        options = {"iss": {"essential": True, "value": self.issuer}}
        options.update({k: {"essential": True, "value": v} for k, v in expected.items()})
        try:
            jwt.JWTClaimsRegistry(leeway=60, **options).validate(claims)
        except JoseError as exc:
            raise ProConnectError(f"invalid token claims: {type(exc).__name__}: {exc}") from None
        return claims


def provider_of(request: Request) -> Provider:
    state = request.app.state
    if getattr(state, "proconnect", None) is None:
        state.proconnect = Provider(guichet(request).settings)
    return state.proconnect


def http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False)


async def _guard(request: Request) -> Any:
    """The services, once ProConnect is known to be set up (else 404) and the address under the login limit."""
    g = guichet(request)
    if not configured(g.settings):
        raise HTTPException(status_code=404)
    wait = await throttle.login_wait(request, g.store, None, "proconnect")
    if wait is not None:
        return throttle.too_many(request, wait)
    return g


@router.get("")
async def start(request: Request) -> Response:
    g = await _guard(request)
    if isinstance(g, Response):
        return g
    provider = provider_of(request)
    try:
        async with http_client() as client:
            meta = await provider.metadata(client)
    except (httpx.HTTPError, ValueError, ProConnectError) as exc:
        log.warning("ProConnect discovery failed: %s", exc if isinstance(exc, ProConnectError) else type(exc).__name__)
        return _failed(request)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    request.session[SESSION_KEY] = {"state": state, "nonce": nonce,
                                    "next": safe_next(request.session.get("next"))}
    params = {"response_type": "code", "client_id": provider.client_id, "redirect_uri": redirect_uri(g.settings),
              "scope": provider.scopes, "state": state, "nonce": nonce}
    return RedirectResponse(meta["authorization_endpoint"] + "?" + urlencode(params), status_code=303)


@router.get("/retour")
async def callback(request: Request) -> Response:
    g = await _guard(request)
    if isinstance(g, Response):
        return g
    pending = request.session.pop(SESSION_KEY, None)
    state = request.query_params.get("state", "")
    code = request.query_params.get("code", "")
    if (not isinstance(pending, dict) or not state or len(state) > 200
            or not hmac.compare_digest(str(pending.get("state", "")).encode(), state.encode())):
        log.warning("ProConnect callback with an unknown state")
        return await _failed_attempt(request, g)
    if not code or len(code) > 2000:
        log.info("ProConnect login not completed: %s", request.query_params.get("error", "no code")[:100])
        return await _failed_attempt(request, g)
    provider = provider_of(request)
    try:
        claims, userinfo, id_token = await _complete(provider, code, str(pending["nonce"]), redirect_uri(g.settings))
    except (httpx.HTTPError, ValueError, KeyError, ProConnectError) as exc:
        log.warning("ProConnect login failed: %s", exc if isinstance(exc, ProConnectError) else type(exc).__name__)
        return await _failed_attempt(request, g)
    email = str(userinfo.get("email") or claims.get("email") or "").strip().lower()
    async with g.store.unit() as uow:
        agent = await uow.get_agent_by_email(email) if email else None
        if agent is not None and agent.active:
            await uow.agent_logged_in(agent.id, oidc_sub=str(claims["sub"]))
    if agent is None or not agent.active:
        await throttle.login_failed(request, g.store, str(agent.id) if agent is not None else None, "proconnect")
        request.state.agent = None
        return render(request, "console/login.html", {"proconnect": True,
                      "error": T.LOGIN_UNKNOWN_AGENT.format(email=email or "?")}, status_code=403)
    await start_session(request, agent)
    request.session["oidc_id_token"] = id_token if len(id_token) < 2500 else None
    return RedirectResponse(str(pending.get("next") or "/console/"), status_code=303)


async def _complete(provider: Provider, code: str, nonce: str, redirect: str) -> tuple[dict, dict, str]:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

    async with http_client() as client:
        meta = await provider.metadata(client)
        async with AsyncOAuth2Client(provider.client_id, provider.client_secret, timeout=HTTP_TIMEOUT,
                                     token_endpoint_auth_method="client_secret_post",
                                     redirect_uri=redirect) as oauth:
            token = await oauth.fetch_token(meta["token_endpoint"], code=code, grant_type="authorization_code")
        id_token = token.get("id_token")
        if not id_token:
            raise ProConnectError("no id_token")
        claims = await provider.verify(client, id_token, aud=provider.client_id, nonce=nonce)
        if not claims.get("sub"):
            raise ProConnectError("no sub")
        r = await client.get(meta["userinfo_endpoint"],
                             headers={"Authorization": f"Bearer {token['access_token']}"})
        r.raise_for_status()
        if r.headers.get("content-type", "").split(";")[0].strip() == "application/jwt":
            userinfo = await provider.verify(client, r.text.strip())
        else:
            userinfo = r.json()
        if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
            raise ProConnectError("userinfo subject differs from the id_token's")
    return claims, userinfo, id_token


async def _failed_attempt(request: Request, g: Any) -> Response:
    """A callback that logs nobody in counts as a failed attempt naming no agent (bot/webkit/throttle.py)."""
    await throttle.login_failed(request, g.store, None, "proconnect")
    return _failed(request)


def _failed(request: Request) -> Response:
    flash(request, T.LOGIN_FAILED, "error")
    return RedirectResponse("/console/connexion", status_code=303)


def logout_url(request: Request, id_token: str | None) -> str | None:
    """Where to send a person who logs out after a ProConnect login (the provider ends its session too)."""
    provider = getattr(request.app.state, "proconnect", None)
    meta = getattr(provider, "_meta", None) or {}
    end = meta.get("end_session_endpoint")
    if not (end and id_token):
        return None
    settings = guichet(request).settings
    params = {"id_token_hint": id_token, "state": secrets.token_urlsafe(32),
              "post_logout_redirect_uri": settings.public_url.rstrip("/") + "/console/connexion"}
    return end + "?" + urlencode(params)
