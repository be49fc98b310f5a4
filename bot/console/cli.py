"""``guichet agents add|login-link|list``."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from bot.store.cli import run_with_store
from bot.store.models import AGENT_ROLES, ROLE_OPERATEUR
from bot.texts import console as T
from bot.texts import staff as TS

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")


def valid_email(value: str) -> bool:
    return bool(EMAIL_RE.match(value.strip()))


def check_agent(email: str, name: str, role: str, operator: str | None) -> tuple[str | None, dict[str, Any]]:
    """(French error or None, normalised fields). Shared by the CLI and the agents page."""
    email, name, role = email.strip().lower(), " ".join(name.split()), role.strip().lower()
    op = operator.strip().lower() if operator and operator.strip() else None
    if not valid_email(email) or len(email) > 320:
        return T.CLI_BAD_EMAIL.format(value=email), {}
    if not name or len(name) > 200:
        return T.CLI_BAD_NAME, {}
    if role not in AGENT_ROLES:
        return T.CLI_BAD_ROLE.format(value=role), {}
    if role == ROLE_OPERATEUR and not op:
        return T.CLI_NEED_OPERATOR, {}
    if role != ROLE_OPERATEUR and op:
        return T.CLI_NO_OPERATOR, {}
    if op and op not in TS.OPERATORS:
        return T.CLI_BAD_OPERATOR.format(value=op, choices=", ".join(TS.OPERATORS)), {}
    return None, {"email": email, "name": name, "role": role, "operator": op}


def run_agents_add(email: str, *, name: str, role: str, operator: str | None) -> int:
    error, fields = check_agent(email, name, role, operator)
    if error:
        print(error, file=sys.stderr)
        return 2

    async def _go(store: Any, settings: Any) -> int:
        async with store.unit() as uow:
            agent, created = await uow.save_agent(**fields)
            await uow.log_event(None, "cli", "agent_saved", {"agent_id": agent.id, "role": agent.role,
                                                             "operator": agent.operator, "created": created})
        text = T.CLI_AGENT_CREATED if created else T.CLI_AGENT_UPDATED
        role_label = T.ROLE_LABELS[agent.role] + (f" ({TS.OPERATORS[agent.operator]})" if agent.operator else "")
        print(text.format(name=agent.name, email=agent.email, role=role_label))
        return 0

    return run_with_store(_go)


def run_agents_login_link(email: str) -> int:
    from bot.console.auth import create_login_link

    async def _go(store: Any, settings: Any) -> int:
        async with store.unit(readonly=True) as uow:
            agent = await uow.get_agent_by_email(email)
        if agent is None:
            print(T.CLI_UNKNOWN_AGENT.format(email=email.strip().lower()), file=sys.stderr)
            return 1
        if not agent.active:
            print(T.CLI_INACTIVE_AGENT.format(email=agent.email), file=sys.stderr)
            return 1
        url = await create_login_link(store, settings.public_url, agent)
        print(T.CLI_LINK_NOTE.format(name=agent.name, email=agent.email), file=sys.stderr)
        print(url)
        return 0

    return run_with_store(_go)


def run_agents_list(json_out: bool = False) -> int:
    async def _go(store: Any, settings: Any) -> int:
        async with store.unit(readonly=True) as uow:
            agents = await uow.list_agents()
        if json_out:
            print(json.dumps([{"email": a.email, "name": a.name, "role": a.role, "operator": a.operator,
                               "active": a.active} for a in agents], ensure_ascii=False))
        elif not agents:
            print(T.CLI_NO_AGENTS)
        for a in [] if json_out else agents:
            print(f"{a.email}\t{a.name}\t{a.role}{' ' + a.operator if a.operator else ''}{'' if a.active else ' (désactivé)'}")
        return 0

    return run_with_store(_go)


def run_agents_notices() -> int:
    """``guichet agents notices``: overdue notices and the daily digests (bot.staff.notify.daily_notices)."""
    from bot.staff import notify

    async def _go(store: Any, settings: Any) -> int:
        notifier = notify.install(store, settings.staff_notify_email, settings.public_url)
        counts = await notify.daily_notices(store, notifier, settings.late_days)
        print(TS.notices_done(counts))
        return 0

    return run_with_store(_go)
