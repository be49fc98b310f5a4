"""Jinja2 templates: one environment for the whole web app.

Each package adds its own template directory with :func:`add_template_dir` (``bot/webkit/templates`` holds
``base.html`` and the error pages). :func:`render` passes what every page needs: ``request``, ``agent`` (or None),
``csrf_token`` (for the hidden field), ``t`` (the French texts of :mod:`bot.texts.console`), ``perms`` (what the
agent may do) and ``nav`` (the active menu entry).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from bot.texts import console as T
from bot.webkit.security import CSRF_FIELD, CSRF_HEADER, csrf_token

WEB_TEMPLATES = Path(__file__).resolve().parent / "templates"

templates = Jinja2Templates(directory=str(WEB_TEMPLATES))
templates.env.globals.update(CSRF_FIELD=CSRF_FIELD, CSRF_HEADER=CSRF_HEADER, t=T,
                             static=lambda path: "/static/" + path)
_dirs: list[str] = [str(WEB_TEMPLATES)]


def add_template_dir(path: str | Path) -> None:
    """Make the templates under ``path`` available (first added wins on a name clash: use a sub-directory named
    after your package, e.g. ``console/inbox.html``)."""
    p = str(Path(path).resolve())
    if p not in _dirs:
        _dirs.append(p)
        templates.env.loader = ChoiceLoader([FileSystemLoader(d) for d in _dirs])


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200,
           **kwargs: Any) -> HTMLResponse:
    from bot.webkit.deps import permissions_of

    agent = getattr(request.state, "agent", None)
    ctx: dict[str, Any] = {
        "agent": agent,
        "flashes": request.session.pop("flashes", []) if "flashes" in request.session else [],
        "csrf_token": csrf_token(request),
        "perms": permissions_of(agent),
        "nav": None,
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, **kwargs)


def flash(request: Request, text: str, kind: str = "success") -> None:
    """A message shown once on the next page (``kind``: success, info, warning, error)."""
    request.session["flashes"] = [*request.session.get("flashes", []), [kind, text]][-5:]
