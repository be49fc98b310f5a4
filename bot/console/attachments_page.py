"""Attachments of a request in the console (issue 20): ``GET /console/demandes/{reference}/pieces/{id}`` downloads
one file kept with the request, for the agents allowed to see that request (the same check as the request's page).
Always ``Content-Disposition: attachment`` (never shown inline), ``nosniff``, and a sandboxing CSP."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from bot.store import attachments as A
from bot.console.request_page import visible_request
from bot.store.models import Agent
from bot.webkit.deps import READ_ALL, READ_ROUTED, guichet, require

router = APIRouter(prefix="/console/demandes")


@router.get("/{reference}/pieces/{attachment_id}")
async def download(request: Request, reference: str, attachment_id: int,
                   agent: Agent = Depends(require(READ_ALL, READ_ROUTED))) -> Response:
    record = await visible_request(request, reference, agent)
    g = guichet(request)
    async with g.store.unit(readonly=True) as uow:
        row = await A.get(uow, record.reference, attachment_id)
    if row is None:
        raise HTTPException(status_code=404)
    try:
        data = await asyncio.to_thread(A.path_of(g.settings, row.stored_name).read_bytes)
    except (OSError, ValueError):
        raise HTTPException(status_code=404) from None
    ascii_name = row.name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, no-store",
    })
