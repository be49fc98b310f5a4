"""A file sent from the web chat (issue 20): ``POST /piece`` (multipart/form-data: ``csrf``, ``key``, ``file``).

The same defences as ``POST /message`` (CSRF token tied to the cookie, rate limits per client address and per
browser session), and the body is capped before it is read whole: a ``Content-Length`` over the per-file limit (plus
room for the form's fields) is refused at once, and a streamed body is counted as it comes. The file then goes to the
engine like any message (kind ``file``), and the one attachments store checks it (type by content, sizes) and keeps
it outside the web root under a generated name. Without JavaScript the form is a plain post followed by a redirect
to the page; the page's script leaves it alone.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels.web import COOKIE
from bot.store.repository import StoreUnavailable
from bot.texts import files as TF
from bot.texts import web as W

#: Room for the form's other fields and the multipart framing, on top of the file's own limit.
FORM_OVERHEAD = 16_384


async def post_file(pages: Any, request: Request) -> Response:
    """``pages``: the chat's :class:`bot.channels.web.routes.ChatPages` (which mounts this handler)."""
    pages._bind(request)
    if not await pages._address_ok(request):
        return pages._error(429, W.TOO_MANY)
    per_file = int(getattr(pages.settings, "attachment_max_bytes", 10_000_000))
    cap = per_file + FORM_OVERHEAD
    too_big = TF.WEB_TOO_BIG.format(limit=TF.size(per_file))
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > cap):
        return pages._error(413, too_big)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        return pages._error(415, W.BAD_REQUEST)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            return pages._error(413, too_big)
    request._body = bytes(body)  # starlette: the form parser reads this capped copy, not the socket  # noqa: SLF001
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # noqa: BLE001 - a malformed multipart body
        return pages._error(400, W.BAD_REQUEST)
    try:
        token = request.cookies.get(COOKIE)
        given = form.get("csrf")
        if not token or not isinstance(given, str) or not hmac.compare_digest(pages.csrf_for(token), given):
            return pages._error(403, W.FORM_EXPIRED)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return pages._error(400, TF.WEB_NO_FILE)
        data = await upload.read(cap + 1)
        key = form.get("key")
        key = key if isinstance(key, str) else ""
        try:
            session, _ = await pages.chat.session_and_label(token, None)
            new_token = None
            if session is None:
                new_token, session = await pages.chat.new_session()
            if not await pages.per_session.allow(session.person_id):
                return pages._error(429, W.TOO_MANY)
            try:
                result = await pages.chat.post_file(session, name=upload.filename, data=data, key=key)
            except ValueError:
                return pages._error(400, W.BAD_REQUEST)
            new_token = result.token or new_token
        except StoreUnavailable:
            return pages._error(503, W.UNAVAILABLE)
    finally:
        await form.close()
    response = RedirectResponse("/#saisie", status_code=303)
    if new_token:
        pages._cookie(response, new_token)
    return pages._headers(response)
