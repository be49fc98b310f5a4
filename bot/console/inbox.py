"""The inbox: ``/console/`` (every request an agent may see, filtered, searched, paged)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from bot.store.models import ROLE_COMITE, Agent
from bot.web.deps import READ_ALL, READ_ROUTED, current_agent, guichet, LoginRequired, Forbidden, can
from bot.web.templating import render

router = APIRouter(prefix="/console")


@router.get("/")
async def inbox(request: Request, agent: Agent | None = Depends(current_agent)) -> Response:
    if agent is None:
        raise LoginRequired()
    if agent.role == ROLE_COMITE:
        return RedirectResponse("/console/tableau-de-bord", status_code=303)
    if not (can(agent, READ_ALL) or can(agent, READ_ROUTED)):
        raise Forbidden()
    requests = await guichet(request).store.list_requests(limit=50)
    return render(request, "console/inbox.html", {"requests": requests, "nav": "inbox"})
