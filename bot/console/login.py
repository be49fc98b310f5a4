"""Login pages: ``/console/connexion`` (ProConnect button or how to get a link), one-time links, logout."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.auth import end_session, link_agent_id, safe_next, start_session, use_login_link
from bot.console.proconnect import configured, logout_url
from bot.store.models import Agent
from bot.texts import console as T
from bot.webkit.deps import current_agent, guichet
from bot.webkit import throttle
from bot.webkit.templating import flash, render

router = APIRouter(prefix="/console")


@router.get("/connexion")
async def login_page(request: Request, suite: str | None = None,
                     agent: Agent | None = Depends(current_agent)) -> Response:
    if agent is not None:
        return RedirectResponse(safe_next(suite), status_code=303)
    proconnect = configured(guichet(request).settings)
    if suite:
        request.session["next"] = safe_next(suite)
    return render(request, "console/login.html", {"proconnect": proconnect})


@router.get("/connexion/lien/{token}")
async def link_page(request: Request, token: str, agent: Agent | None = Depends(current_agent)) -> Response:
    return render(request, "console/link.html", {"token": token})


@router.post("/connexion/lien/{token}")
async def link_login(request: Request, token: str) -> Response:
    store = guichet(request).store
    owner = await link_agent_id(store, token)
    agent_key = str(owner) if owner is not None else None
    wait = await throttle.login_wait(request, store, agent_key)
    if wait is not None:
        return throttle.too_many(request, wait)
    agent = await use_login_link(store, token)
    if agent is None:
        await throttle.login_failed(request, store, agent_key)  # issue 25: failures only, by address and agent
        request.state.agent = None
        return render(request, "console/link.html", {"token": None, "invalid": True}, status_code=400)
    target = safe_next(request.session.get("next"))
    await start_session(request, agent)
    return RedirectResponse(target, status_code=303)


@router.post("/deconnexion")
async def logout(request: Request) -> Response:
    end = logout_url(request, request.session.get("oidc_id_token"))
    await end_session(request)
    flash(request, T.LOGGED_OUT, "info")
    return RedirectResponse(end or "/console/connexion", status_code=303)


@router.post("/deconnexion/partout")
async def logout_everywhere(request: Request) -> Response:
    """« Se déconnecter partout »: every session of this agent ends (other browsers, a forgotten computer)."""
    end = logout_url(request, request.session.get("oidc_id_token"))
    await end_session(request, everywhere=True)
    flash(request, T.LOGGED_OUT_EVERYWHERE, "info")
    return RedirectResponse(end or "/console/connexion", status_code=303)
