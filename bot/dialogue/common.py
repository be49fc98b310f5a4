"""Small helpers shared by the dialogue modules: logging without personal data, database errors, formatting."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
from typing import Any

from bot.logsafe import safe_traceback

log = logging.getLogger("bot.dialogue")


def log_exc(msg: str, *args: Any) -> None:
    """Log the exception being handled: its type and frames, never its message (it may quote personal data)."""
    log.error(msg + "\n%s", *args, safe_traceback(sys.exc_info()[1]))


def _db_errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    import asyncpg
    from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as SATimeout

    from bot.store.repository import ConcurrentUpdate, StoreUnavailable

    return (OSError, asyncio.TimeoutError, ConnectionError, DBAPIError, OperationalError, SATimeout,
            asyncpg.PostgresError, asyncpg.InterfaceError, StoreUnavailable, ConcurrentUpdate, sqlite3.OperationalError)


DB_ERRORS = _db_errors()


def value_of(x: Any) -> str:
    """An enum's value, or the thing itself."""
    return getattr(x, "value", x)


def strip_mark(label: str) -> str:
    return label[2:] if label.startswith("✅ ") else label


def candidate_label(c: dict[str, Any]) -> str:
    label = f"{c['name']} ({c['departement']})"
    if c.get("kind") != "epci" and c.get("population"):
        label += f", {c['population']} hab."
    return label[:60]


def fmt_date(value: Any, tz: str = "Europe/Paris") -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        try:
            from zoneinfo import ZoneInfo

            value = value.astimezone(ZoneInfo(tz))
        except Exception:  # noqa: BLE001 - unknown zone: the date as stored
            pass
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value or "")


def render_personal_data(data: Any) -> str:
    """``personal_data()``'s JSON as indented lines for a chat message."""
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    lines: list[str] = []

    def walk(obj: Any, indent: str) -> None:
        if isinstance(obj, dict):
            for key, val in obj.items():
                if isinstance(val, (dict, list)):
                    if val:
                        lines.append(f"{indent}{key} :")
                        walk(val, indent + "  ")
                elif val not in (None, "", []):
                    lines.append(f"{indent}{key} : {val}")
        elif isinstance(obj, list):
            for item in obj:
                walk(item, indent)
                lines.append("")
        elif obj not in (None, ""):
            lines.append(f"{indent}{obj}")

    walk(data, "")
    return "\n".join(lines).strip()
