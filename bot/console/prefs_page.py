"""An agent's own notice settings and the reply templates (issue 26).

``/console/preferences``: every agent chooses between one e-mail per news on their requests (default) and one daily
digest. ``/console/modeles``: admins keep the reply templates (« Répondre », « Poser une question », closing), with
``{nom}`` and ``{reference}`` filled in when used; every acting agent picks from them on a request's page.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.store import inbox as store_inbox
from bot.store.models import Agent
from bot.texts import console as T
from bot.webkit.deps import ACT, ACT_ROUTED, ADMIN, READ_ALL, READ_ROUTED, guichet, require
from bot.webkit.templating import flash, render

router = APIRouter(prefix="/console")


@router.get("/preferences")
async def preferences(request: Request, agent: Agent = Depends(require(READ_ALL, READ_ROUTED))) -> Response:
    async with guichet(request).store.unit(readonly=True) as uow:
        digest = await store_inbox.wants_digest(uow, agent.id)
    return render(request, "console/preferences.html", {"nav": "inbox", "digest": digest})


@router.post("/preferences")
async def save_preferences(request: Request, avis: str = Form("chaque"),
                           agent: Agent = Depends(require(READ_ALL, READ_ROUTED))) -> Response:
    async with guichet(request).store.unit() as uow:
        await store_inbox.set_digest(uow, agent.id, avis == "resume")
    flash(request, T.PREFS_SAVED, "success")
    return RedirectResponse("/console/preferences", status_code=303)


@router.get("/modeles")
async def templates_page(request: Request, agent: Agent = Depends(require(ACT, ACT_ROUTED))) -> Response:
    async with guichet(request).store.unit(readonly=True) as uow:
        items = await store_inbox.list_templates(uow)
    from bot.webkit.deps import can

    return render(request, "console/templates.html", {"nav": "inbox", "items": items, "may_edit": can(agent, ADMIN),
                                                      "uses": T.TEMPLATE_USES})


@router.post("/modeles")
async def save_template(request: Request, nom: str = Form(""), usage: str = Form("reply"), texte: str = Form(""),
                        agent: Agent = Depends(require(ADMIN))) -> Response:
    nom, texte = " ".join(nom.split())[:120], texte.strip()[:3500]
    if not nom or not texte or usage not in store_inbox.TEMPLATE_USES:
        flash(request, T.TEMPLATE_INVALID, "error")
        return RedirectResponse("/console/modeles", status_code=303)
    async with guichet(request).store.unit() as uow:
        tid = await store_inbox.save_template(uow, nom, usage, texte)
        await uow.log_event(None, f"console:{agent.id}", "template_saved", {"id": tid, "by": agent.name})
    flash(request, T.TEMPLATE_SAVED, "success")
    return RedirectResponse("/console/modeles", status_code=303)


@router.post("/modeles/{template_id}/supprimer")
async def delete_template(request: Request, template_id: int, agent: Agent = Depends(require(ADMIN))) -> Response:
    async with guichet(request).store.unit() as uow:
        await store_inbox.delete_template(uow, template_id)
    flash(request, T.TEMPLATE_DELETED, "success")
    return RedirectResponse("/console/modeles", status_code=303)
