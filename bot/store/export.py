"""``guichet export`` and ``guichet stats``: requests as JSON or CSV (UTF-8 with BOM), counts.

The export streams: requests are read in keyset pages of :data:`PAGE` rows and the history of a whole page is loaded
in one query, then each row is written out at once; memory stays flat whatever the number of requests.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, timezone
from typing import IO, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.store.models import STATUSES
from bot.store.tables import event_t, request_t

PAGE = 2000

#: Export fields, in order (a contract: other tools read them).
EXPORT_FIELDS: tuple[str, ...] = (
    "reference", "status", "created_at", "updated_at", "channel", "telegram_user_id", "commune_code", "commune_name",
    "epci_code", "role", "contact_name", "phone", "email", "description", "themes", "stage", "help_kinds", "budget",
    "timing", "matches", "assigned_to", "operator", "closed_at", "anonymised_at", "history",
)
LIST_FIELDS = frozenset({"themes", "help_kinds", "matches"})
_REQUEST_COLUMNS = [c for c in request_t.c if c.name in set(EXPORT_FIELDS) | {"id", "user_id"}]


class ExportArgumentError(ValueError):
    """A bad ``--format``, ``--status`` or ``--since`` (message in French, for the console)."""


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat()
    return value


def parse_since(value: str | None) -> datetime | None:
    """``YYYY-MM-DD`` (or a full ISO date-time) → UTC datetime; :class:`ExportArgumentError` otherwise."""
    from bot.texts import staff as T

    if value is None or value == "":
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
        dt = datetime.fromisoformat(text)
        return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    except ValueError:
        raise ExportArgumentError(T.CLI_BAD_SINCE.format(value=value)) from None


def check_status(value: str | None) -> str | None:
    from bot.texts import staff as T

    if value is None or value == "":
        return None
    v = value.strip().lower()
    if v not in STATUSES:
        raise ExportArgumentError(T.CLI_BAD_STATUS.format(value=value, choices=", ".join(STATUSES)))
    return v


def check_format(value: str | None) -> str:
    from bot.texts import staff as T

    v = (value or "json").strip().lower()
    if v not in ("json", "csv"):
        raise ExportArgumentError(T.CLI_BAD_FORMAT.format(value=value))
    return v


# --- rows ---------------------------------------------------------------------------------------------------------------
def _export_object(row: Any, history: list[dict[str, Any]]) -> dict[str, Any]:
    m = row._mapping
    obj: dict[str, Any] = {}
    for name in EXPORT_FIELDS:
        if name == "telegram_user_id":
            obj[name] = m["user_id"] if m["channel"] == "telegram" else None
        elif name == "history":
            obj[name] = history
        else:
            value = m[name]
            if name in LIST_FIELDS:
                value = list(value or [])
            obj[name] = _iso(value)
    return obj


def _history_item(ev: Any) -> dict[str, Any]:
    m = ev._mapping
    item: dict[str, Any] = {"at": _iso(m["at"]), "actor": m["actor"], "kind": m["kind"]}
    for k, v in (m["data"] or {}).items():
        item.setdefault(k, v)
    return item


async def iter_export(
    store: Any, status: str | None = None, since: datetime | None = None, page: int = PAGE
) -> AsyncIterator[dict[str, Any]]:
    """The export objects, oldest first, streamed page by page (one read-only transaction per page)."""
    last_id = 0
    while True:
        async with store.unit(readonly=True) as uow:
            stmt = sa.select(*_REQUEST_COLUMNS).where(request_t.c.id > last_id)
            if status:
                stmt = stmt.where(request_t.c.status == status)
            if since:
                stmt = stmt.where(request_t.c.created_at >= since)
            rows = (await uow.conn.execute(stmt.order_by(request_t.c.id).limit(page))).all()
            if not rows:
                return
            refs = [r.reference for r in rows]
            events = (
                await uow.conn.execute(
                    sa.select(event_t.c.reference, event_t.c.at, event_t.c.actor, event_t.c.kind, event_t.c.data)
                    .where(event_t.c.reference.in_(refs))
                    .order_by(event_t.c.id)
                )
            ).all()
        by_ref: dict[str, list[dict[str, Any]]] = {}
        for ev in events:
            by_ref.setdefault(ev.reference, []).append(_history_item(ev))
        for r in rows:
            yield _export_object(r, by_ref.get(r.reference, []))
        last_id = rows[-1].id
        if len(rows) < page:
            return


def _csv_cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name in LIST_FIELDS:
        return "; ".join(str(v) for v in value)
    if name == "history":
        return json.dumps(value, ensure_ascii=False)
    return value


async def write_export(
    store: Any, out: IO[bytes], fmt: str = "json", status: str | None = None, since: datetime | None = None
) -> int:
    """Write the export to a binary stream (UTF-8; CSV with a BOM). Returns the number of requests."""
    fmt = check_format(fmt)
    n = 0
    if fmt == "json":
        out.write(b"[")
        async for obj in iter_export(store, status, since):
            out.write((b",\n" if n else b"\n") + json.dumps(obj, ensure_ascii=False).encode("utf-8"))
            n += 1
        out.write(b"\n]\n" if n else b"]\n")
        return n
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    out.write("\ufeff".encode("utf-8"))
    writer.writerow(EXPORT_FIELDS)
    async for obj in iter_export(store, status, since):
        writer.writerow([_csv_cell(name, obj[name]) for name in EXPORT_FIELDS])
        n += 1
        if buf.tell() > 1 << 16:
            out.write(buf.getvalue().encode("utf-8"))
            buf.seek(0)
            buf.truncate()
    out.write(buf.getvalue().encode("utf-8"))
    return n


async def export_bytes(store: Any, fmt: str = "csv", status: str | None = None, since: datetime | None = None) -> bytes:
    """The whole export in memory (for the staff group's /export document)."""
    out = io.BytesIO()
    await write_export(store, out, fmt, status, since)
    return out.getvalue()


# --- stats --------------------------------------------------------------------------------------------------------------
async def compute_stats(store: Any, timezone_name: str = "Europe/Paris") -> dict[str, Any]:
    """Counts of requests: ``{"total", "by_status", "by_theme", "by_commune", "by_month"}`` (JSON-friendly).

    ``by_status`` lists every status in workflow order; themes, communes by count (then name); months ``YYYY-MM`` in
    order (local time of ``timezone_name``)."""
    tz = ZoneInfo(timezone_name)
    by_status: Counter[str] = Counter()
    by_theme: Counter[str] = Counter()
    by_commune: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    total = 0
    last_id = 0
    cols = (request_t.c.id, request_t.c.status, request_t.c.themes, request_t.c.commune_code,
            request_t.c.commune_name, request_t.c.created_at)
    while True:
        async with store.unit(readonly=True) as uow:
            rows = (
                await uow.conn.execute(
                    sa.select(*cols).where(request_t.c.id > last_id).order_by(request_t.c.id).limit(PAGE * 5)
                )
            ).all()
        for r in rows:
            total += 1
            by_status[r.status] += 1
            for t in r.themes or []:
                by_theme[str(t)] += 1
            name = r.commune_name or r.commune_code or "?"
            if r.commune_name and r.commune_code:
                name = f"{r.commune_name} ({r.commune_code})"
            by_commune[name] += 1
            created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=timezone.utc)
            by_month[created.astimezone(tz).strftime("%Y-%m")] += 1
        if len(rows) < PAGE * 5:
            break
        last_id = rows[-1].id

    def ranked(c: Counter[str]) -> dict[str, int]:
        return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))

    return {
        "total": total,
        "by_status": {s: by_status.get(s, 0) for s in STATUSES} | {k: v for k, v in by_status.items() if k not in STATUSES},
        "by_theme": ranked(by_theme),
        "by_commune": ranked(by_commune),
        "by_month": dict(sorted(by_month.items())),
    }


# --- command line -------------------------------------------------------------------------------------------------------
async def _open_store() -> Any:
    from bot.config import load_settings
    from bot.store.repository import Store

    settings = load_settings()
    return await Store.open(settings.database_url, settings.departement, timezone_name=settings.timezone)


def _cli(body: Any) -> int:
    """Run ``body(store)`` against the configured database with clear errors (exit 2 bad usage, 1 failure)."""
    from bot.store.db import DatabaseUrlError, redact
    from bot.store.repository import StoreUnavailable
    from bot.texts import staff as T

    async def go() -> int:
        store = await _open_store()
        try:
            return await body(store)
        finally:
            await store.close()

    try:
        return asyncio.run(go())
    except ExportArgumentError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DatabaseUrlError as exc:
        print(T.CLI_BAD_URL.format(error=exc), file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        from bot.config import load_settings

        print(T.CLI_DB_UNAVAILABLE.format(url=redact(load_settings().database_url), error=exc), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `guichet export | head`
        return 0
    except Exception as exc:  # noqa: BLE001 - configuration errors from pydantic, etc.
        if type(exc).__name__ == "ValidationError":
            print(T.CLI_BAD_CONFIG.format(error=exc), file=sys.stderr)
            return 2
        raise


def run_export_cli(format: str = "json", status: str | None = None, since: str | None = None,
                   out: IO[bytes] | None = None) -> int:
    """``guichet export --format json|csv [--status S] [--since DATE]`` to standard output."""
    try:
        fmt = check_format(format)
        st = check_status(status)
        since_dt = parse_since(since)
    except ExportArgumentError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    stream = out if out is not None else sys.stdout.buffer

    async def body(store: Any) -> int:
        await write_export(store, stream, fmt, st, since_dt)
        stream.flush()
        return 0

    return _cli(body)


def run_stats_cli(json_out: bool = False) -> int:
    """``guichet stats [--json]``: counts by status, theme, commune and month."""
    from bot.texts import staff as T

    async def body(store: Any) -> int:
        stats = await compute_stats(store, _timezone())
        if json_out:
            print(json.dumps(stats, ensure_ascii=False, indent=2))
        else:
            print(T.stats_text(stats))
        return 0

    return _cli(body)


def _timezone() -> str:
    from bot.config import load_settings

    return load_settings().timezone

