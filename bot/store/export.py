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
from bot.store.tables import attachment_t, event_t, request_t

PAGE = 2000

#: Export fields, in order (a contract: other tools read them).
EXPORT_FIELDS: tuple[str, ...] = (
    "reference", "status", "created_at", "updated_at", "channel", "telegram_user_id", "commune_code", "commune_name",
    "epci_code", "role", "contact_name", "phone", "email", "description", "themes", "stage", "help_kinds", "budget",
    "timing", "matches", "assigned_to", "operator", "closed_at", "anonymised_at", "history",
    "attachments",  # issue 20: [{"name", "type", "size"}] of the files kept with the request
)
LIST_FIELDS = frozenset({"themes", "help_kinds", "matches"})
DATETIME_FIELDS = frozenset({"created_at", "updated_at", "closed_at", "anonymised_at"})
#: Plain-text selection: datetimes and JSON come back as the database's text (no per-value decoding in Python).
_REQUEST_COLUMNS = [request_t.c.id, request_t.c.user_id] + [
    sa.cast(request_t.c[name], sa.Text).label(name) if name in DATETIME_FIELDS | LIST_FIELDS else request_t.c[name]
    for name in EXPORT_FIELDS
    if name not in ("telegram_user_id", "history", "attachments")
]
_EVENT_COLUMNS = [
    event_t.c.reference,
    sa.cast(event_t.c.at, sa.Text).label("at"),
    event_t.c.actor,
    event_t.c.kind,
    sa.cast(event_t.c.data, sa.Text).label("data"),
]
#: Key prefix of a request's attachments (JSON text) in a page's map of histories (one map, one lookup per row).
_FILES = "\x00files:"
_enc = json.encoder.encode_basestring  # type: ignore[attr-defined]  # the C encoder, ensure_ascii=False
_scan = json.JSONDecoder().scan_once


def _dt_text(raw: Any) -> str | None:
    """Stored naive-UTC text (``2026-01-31 10:00:00.123``) → ISO 8601 with offset."""
    if raw is None:
        return None
    if isinstance(raw, datetime):  # pragma: no cover - a driver that ignores the cast
        return (raw if raw.tzinfo else raw.replace(tzinfo=timezone.utc)).isoformat()
    return str(raw).replace(" ", "T", 1) + "+00:00"


def _raw_list(raw: Any) -> list[Any]:
    if raw is None or raw == "[]":
        return []
    value = _scan(raw, 0)[0] if isinstance(raw, str) else raw
    return list(value) if isinstance(value, list) else []


def _history_json(events: list[Any]) -> str:
    """The history of one request as JSON text: ``[{"at", "actor", "kind", ...data}, ...]``."""
    items = []
    for ev in events:
        head = '{"at": ' + _enc(_dt_text(ev.at)) + ', "actor": ' + _enc(ev.actor) + ', "kind": ' + _enc(ev.kind)
        data = ev.data if isinstance(ev.data, str) else json.dumps(ev.data, ensure_ascii=False)
        body = data.strip() if data else "{}"
        if body in ("{}", "null", ""):
            items.append(head + "}")
        elif body.startswith("{") and '"at"' not in body and '"actor"' not in body and '"kind"' not in body:
            items.append(head + ", " + body[1:])
        else:  # keys that would clash: merge properly
            merged = {"at": _dt_text(ev.at), "actor": ev.actor, "kind": ev.kind}
            loaded = json.loads(body)
            if isinstance(loaded, dict):
                for k, v in loaded.items():
                    merged.setdefault(k, v)
            items.append(json.dumps(merged, ensure_ascii=False))
    return "[" + ", ".join(items) + "]"


def _compile_json_line() -> Any:
    """Build ``_json_line(row, history) -> str`` for the selected columns as one expression (the export's hot loop:
    100 000 rows x 25 fields; a generic loop over the fields costs several seconds more)."""
    names = [c.name for c in _REQUEST_COLUMNS]
    pieces = []
    for name in EXPORT_FIELDS:
        key = json.dumps(name) + ": "
        if name == "telegram_user_id":
            ch, uid = names.index("channel"), names.index("user_id")
            expr = f'(E(r[{uid}]) if r[{ch}] == "telegram" else "null")'
        elif name == "history":
            expr = "h"
        elif name == "attachments":
            expr = "a"
        else:
            i = names.index(name)
            if name in LIST_FIELDS:
                expr = f'(r[{i}] if r[{i}].__class__ is str and r[{i}] else L(r[{i}]))'
            elif name in DATETIME_FIELDS:
                expr = f'("null" if r[{i}] is None else E(D(r[{i}])))'
            else:
                expr = f'("null" if r[{i}] is None else E(str(r[{i}])))'
        pieces.append(f"{key!r} + {expr}")
    src = "lambda r, h, a='[]': '{' + " + " + ', ' + ".join(pieces) + " + '}'"
    env = {"E": _enc, "D": _dt_text, "L": lambda raw: json.dumps(_raw_list(raw), ensure_ascii=False)}
    return eval(src, env)  # noqa: S307 - built from our own constant column names only


_json_line = _compile_json_line()


def _list_cell(raw: Any) -> str:
    return "; ".join(str(v) for v in _raw_list(raw))


def _compile_csv_row() -> Any:
    """Build ``_csv_row(row, history) -> tuple`` (same reason as :func:`_compile_json_line`)."""
    names = [c.name for c in _REQUEST_COLUMNS]
    exprs = []
    for name in EXPORT_FIELDS:
        if name == "telegram_user_id":
            ch, uid = names.index("channel"), names.index("user_id")
            exprs.append(f'(r[{uid}] if r[{ch}] == "telegram" else "")')
        elif name == "history":
            exprs.append("h")
        elif name == "attachments":
            exprs.append('("" if a == "[]" else a)')
        else:
            i = names.index(name)
            if name in LIST_FIELDS:
                exprs.append(f'("" if r[{i}] is None or r[{i}] == "[]" else L(r[{i}]))')
            elif name in DATETIME_FIELDS:
                exprs.append(f'("" if r[{i}] is None else D(r[{i}]))')
            else:
                exprs.append(f'("" if r[{i}] is None else r[{i}])')
    src = "lambda r, h, a='[]': (" + ", ".join(exprs) + ",)"
    return eval(src, {"D": _dt_text, "L": _list_cell})  # noqa: S307 - built from our own constant column names only


_csv_row = _compile_csv_row()


async def _fetch_page(
    store: Any, last_id: int, status: str | None, since: datetime | None, page: int
) -> tuple[list[Any], dict[str, str]]:
    async with store.unit(readonly=True) as uow:
        stmt = sa.select(*_REQUEST_COLUMNS).where(request_t.c.id > last_id)
        if status:
            stmt = stmt.where(request_t.c.status == status)
        if since:
            stmt = stmt.where(request_t.c.created_at >= since)
        rows = (await uow.conn.execute(stmt.order_by(request_t.c.id).limit(page))).all()
        if not rows:
            return [], {}
        # The page's events by a range subquery (no list of 2 000 bound references).
        page_refs = sa.select(request_t.c.reference).where(request_t.c.id > last_id, request_t.c.id <= rows[-1].id)
        if status:
            page_refs = page_refs.where(request_t.c.status == status)
        if since:
            page_refs = page_refs.where(request_t.c.created_at >= since)
        events = (
            await uow.conn.execute(
                sa.select(*_EVENT_COLUMNS).where(event_t.c.reference.in_(page_refs)).order_by(event_t.c.id)
            )
        ).all()
        files = (
            await uow.conn.execute(
                sa.select(attachment_t.c.reference, attachment_t.c.name, attachment_t.c.content_type,
                          attachment_t.c.size).where(attachment_t.c.reference.in_(page_refs))
                .order_by(attachment_t.c.id)
            )
        ).all()
    by_ref: dict[str, list[Any]] = {}
    for ev in events:
        by_ref.setdefault(ev.reference, []).append(ev)
    histories = {ref: _history_json(evs) for ref, evs in by_ref.items()}
    by_ref_files: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        by_ref_files.setdefault(f.reference, []).append({"name": f.name, "type": f.content_type, "size": int(f.size)})
    histories.update({_FILES + ref: json.dumps(v, ensure_ascii=False) for ref, v in by_ref_files.items()})
    return rows, histories


async def _pages(
    store: Any, status: str | None, since: datetime | None, page: int
) -> AsyncIterator[tuple[list[Any], dict[str, str]]]:
    """Keyset pages of request rows (oldest first) with each request's history as JSON text (two queries per page).
    The next page is fetched while the caller writes the current one."""
    rows, histories = await _fetch_page(store, 0, status, since, page)
    while rows:
        nxt = None
        if len(rows) == page:
            nxt = asyncio.ensure_future(_fetch_page(store, rows[-1].id, status, since, page))
        try:
            yield rows, histories
        except BaseException:
            if nxt is not None:
                nxt.cancel()
            raise
        if nxt is None:
            return
        rows, histories = await nxt


async def iter_export(
    store: Any, status: str | None = None, since: datetime | None = None, page: int = PAGE
) -> AsyncIterator[dict[str, Any]]:
    """The export objects (dicts of :data:`EXPORT_FIELDS`), oldest first, streamed page by page."""
    async for rows, histories in _pages(store, status, since, page):
        for r in rows:
            yield json.loads(_json_line(r, histories.get(r.reference, "[]"), histories.get(_FILES + r.reference, "[]")))


async def write_export(
    store: Any, out: IO[bytes], fmt: str = "json", status: str | None = None, since: datetime | None = None,
    page: int = PAGE,
) -> int:
    """Write the export to a binary stream (UTF-8; CSV with a BOM). Returns the number of requests."""
    fmt = check_format(fmt)
    n = 0
    if fmt == "json":
        out.write(b"[")
        async for rows, histories in _pages(store, status, since, page):
            chunk = ",\n".join(_json_line(r, histories.get(r.reference, "[]"), histories.get(_FILES + r.reference, "[]"))
                                for r in rows)
            out.write(((",\n" if n else "\n") + chunk).encode("utf-8", "replace"))
            n += len(rows)
        out.write(b"\n]\n" if n else b"]\n")
        return n
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    out.write("\ufeff".encode("utf-8"))
    writer.writerow(EXPORT_FIELDS)
    async for rows, histories in _pages(store, status, since, page):
        writer.writerows(_csv_row(r, histories.get(r.reference, "[]"), histories.get(_FILES + r.reference, "[]"))
                         for r in rows)
        n += len(rows)
        out.write(buf.getvalue().encode("utf-8", "replace"))
        buf.seek(0)
        buf.truncate()
    out.write(buf.getvalue().encode("utf-8", "replace"))
    return n


class ExportArgumentError(ValueError):
    """A bad ``--format``, ``--status`` or ``--since`` (message in French, for the console)."""


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
def _cli(body: Any) -> int:
    """Run ``body(store, settings)`` against the configured database (:func:`bot.store.cli.run_with_store`)."""
    from bot.store.cli import run_with_store

    return run_with_store(body, usage_errors=(ExportArgumentError,))


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

    async def body(store: Any, settings: Any) -> int:
        await write_export(store, stream, fmt, st, since_dt)
        stream.flush()
        return 0

    return _cli(body)


def run_stats_cli(json_out: bool = False) -> int:
    """``guichet stats [--json]``: counts by status, theme, commune and month."""
    from bot.texts import staff as T

    async def body(store: Any, settings: Any) -> int:
        stats = await compute_stats(store, settings.timezone)
        if json_out:
            print(json.dumps(stats, ensure_ascii=False, indent=2))
        else:
            print(T.stats_text(stats))
        return 0

    return _cli(body)
