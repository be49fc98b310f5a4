"""« Personnes en attente » (issue 26): ``/console/en-attente``, people who wrote to staff (a call for an agent, a
message during a handover) while no open request of theirs exists. An agent answers (the message goes to the
person's channel through the outbox) or sets the wait aside; both settle the person's messages."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.labels import ago, local_time
from bot.staff import conversation
from bot.store import inbox as store_inbox
from bot.store.models import Agent
from bot.store.tables import utcnow
from bot.texts import console as T
from bot.webkit.deps import ACT, READ_ALL, guichet, require
from bot.webkit.templating import flash, render

router = APIRouter(prefix="/console/en-attente")


@router.get("")
async def waiting(request: Request, agent: Agent = Depends(require(READ_ALL))) -> Response:
    g = guichet(request)
    async with g.store.unit(readonly=True) as uow:
        chats = await store_inbox.waiting_chats(uow)
        threads = {c.id: await store_inbox.waiting_thread(uow, c.id) for c in chats}
        templates = await store_inbox.list_templates(uow, "reply")
    return render(request, "console/waiting.html", {
        "nav": "inbox", "chats": chats, "threads": threads, "ago": ago, "now": utcnow(), "fmt": local_time,
        "action_id": lambda: secrets.token_urlsafe(16), "channels": T.CHANNELS,
        "templates": [(tp, tp.fill(None, None)) for tp in templates],
    })


def _key(action_id: str) -> str | None:
    action_id = (action_id or "").strip()
    return f"web:{action_id}" if action_id and len(action_id) <= 64 else None


@router.post("/{message_id}/repondre")
async def answer(request: Request, message_id: int, texte: str = Form(""), action_id: str = Form(""),
                 agent: Agent = Depends(require(ACT))) -> Response:
    res = await guichet(request).staff.run(conversation.answer_waiting, message_id, texte, f"console:{agent.id}",
                                           agent.name, update_key=_key(action_id))
    if res.code == "no_target":
        raise HTTPException(status_code=404)
    flash(request, res.message, "success" if res.ok and res.code == "ok" else "info" if res.ok else "error")
    return RedirectResponse("/console/en-attente", status_code=303)


@router.post("/{message_id}/classer")
async def set_aside(request: Request, message_id: int, action_id: str = Form(""),
                    agent: Agent = Depends(require(ACT))) -> Response:
    res = await guichet(request).staff.run(conversation.set_aside_waiting, message_id, f"console:{agent.id}",
                                           agent.name, update_key=_key(action_id))
    if res.code == "no_target":
        raise HTTPException(status_code=404)
    flash(request, res.message, "success" if res.ok else "error")
    return RedirectResponse("/console/en-attente", status_code=303)
