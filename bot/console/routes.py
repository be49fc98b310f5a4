"""The console's router (mounted by :func:`bot.web.app.create_app`): one sub-router per page family."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from bot.console import (agents_page, attachments_page, dashboard, inbox, login, prefs_page, proconnect,
                         request_page, waiting_page)
from bot.webkit.templating import add_template_dir

add_template_dir(Path(__file__).resolve().parent / "templates")

router = APIRouter()
router.include_router(login.router)
router.include_router(proconnect.router)
router.include_router(inbox.router)
router.include_router(prefs_page.router)  # issue 26: notice settings, reply templates
router.include_router(waiting_page.router)  # issue 26: « Personnes en attente »
router.include_router(request_page.router)
router.include_router(agents_page.router)
router.include_router(dashboard.router)  # issue 12b: the comité's dashboard, report, exports
router.include_router(attachments_page.router)  # issue 20: a request's files, downloaded (never inline)
