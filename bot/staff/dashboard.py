"""The comité local de cohésion territoriale's figures: counts, delays, commitment, one row per request.

CGCT art. L1232-2: the committee is informed, at least twice a year, of the requests for support, the action taken
on them and the projects' progress. This module computes, for a period (requests *filed* in it) and optional filters:

* counts by theme, EPCI, commune, status, operator, month and channel (``GROUP BY`` in the database);
* median delays from filing to the first staff action (take in charge, routing, question, message, closure), to the
  first routing to an operator, and to closure, from the events history (medians computed in SQL with window
  functions);
* requests past the guichet's commitment: no first staff action within ``response_days`` working days (Monday to
  Friday, French public holidays left out: :mod:`bot.store.workdays`), whether answered late or still waiting;
* the rows of the CSV/XLSX exports (one per request, names not codes, no contact details).

Transport-free (no web, no Telegram); SQLite and PostgreSQL. Days are UTC calendar days.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Sequence

import sqlalchemy as sa

from bot.staff.names import Names, current
from bot.store.models import CLOSED_STATUSES, EN_ATTENTE, EN_COURS, NOUVELLE, ORIENTEE, STATUSES
from bot.store.tables import request_t

#: Event kinds that are a staff action on the request (the first one is the "first contact"); the repository keeps
#: ``request.first_action_at`` and ``request.routed_at`` from them (see ``UnitOfWork._note_first_action``).
from bot.store.repository import FIRST_ACTION_KINDS  # noqa: E402
from bot.store.workdays import late_cutoff, working_days_between  # noqa: E402
LATE_LIST_LIMIT = 50
TOP_COMMUNES = 30


# --- period and filters -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """Requests filed from ``start`` to ``end`` (both days included)."""

    start: dt.date
    end: dt.date

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        utc = dt.timezone.utc
        return (dt.datetime.combine(self.start, dt.time(), utc),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), utc))

    @classmethod
    def last_months(cls, months: int = 12, today: dt.date | None = None) -> "Period":
        today = today or dt.datetime.now(dt.timezone.utc).date()
        year, month = today.year, today.month - months + 1
        while month <= 0:
            month += 12
            year -= 1
        return cls(dt.date(year, month, 1), today)

    @classmethod
    def semester(cls, today: dt.date | None = None) -> "Period":
        """The current half-year (the committee meets at least twice a year)."""
        today = today or dt.datetime.now(dt.timezone.utc).date()
        start = dt.date(today.year, 1 if today.month <= 6 else 7, 1)
        return cls(start, today)

    @classmethod
    def parse(cls, start: str | None, end: str | None, default: "Period | None" = None) -> "Period":
        """From ``AAAA-MM-JJ`` texts (a form's ``du``/``au``); bad or missing values fall back to ``default``;
        reversed bounds are swapped; at most 20 years."""
        default = default or cls.last_months(12)
        s, e = _date(start) or default.start, _date(end) or default.end
        if s > e:
            s, e = e, s
        if (e - s).days > 366 * 20:
            s = e - dt.timedelta(days=366 * 20)
        return cls(s, e)


def _date(value: str | None) -> dt.date | None:
    if not value or not isinstance(value, str) or len(value) > 10:
        return None
    try:
        d = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
    return d if 1990 <= d.year <= 2200 else None


@dataclass(frozen=True)
class Filters:
    """Optional filters; ``operator`` (a key of ``bot.texts.staff.OPERATORS``, e.g. ``ademe``) is also how an
    operator agent's scope is enforced."""

    epci: str | None = None
    commune: str | None = None
    theme: str | None = None
    status: str | None = None
    operator: str | None = None

    def clean(self) -> "Filters":
        def short(v: Any, n: int = 64) -> str | None:
            return str(v).strip()[:n] or None if v else None

        status, theme = short(self.status), short(self.theme)
        if theme and not re.fullmatch(r"[a-z0-9-]+", theme):
            theme = "?"  # an id that cannot exist: matches nothing
        return Filters(short(self.epci, 16), short(self.commune, 16), theme,
                       status if status in STATUSES else None, short(self.operator))


# --- results ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Delay:
    median_days: float | None  # None when no request has reached that step
    count: int  # requests that reached it


@dataclass(frozen=True)
class Late:
    reference: str
    commune: str
    created_at: dt.datetime
    working_days: int  # working days from filing to the first action (or to now, still waiting)
    waiting: bool  # no staff action yet


@dataclass
class Dashboard:
    period: Period
    filters: Filters
    response_days: int
    total: int = 0
    by_status: list[Count] = field(default_factory=list)
    by_theme: list[Count] = field(default_factory=list)
    by_epci: list[Count] = field(default_factory=list)
    by_commune: list[Count] = field(default_factory=list)
    communes_total: int = 0  # distinct communes (``by_commune`` shows the first TOP_COMMUNES)
    routed_total: int = 0  # requests routed to at least one operator (``by_operator`` counts each operator)
    by_operator: list[Count] = field(default_factory=list)
    by_month: list[Count] = field(default_factory=list)
    by_channel: list[Count] = field(default_factory=list)  # issue 20: Telegram, web page, e-mail, terminal
    first_contact: Delay = Delay(None, 0)
    orientation: Delay = Delay(None, 0)
    closure: Delay = Delay(None, 0)
    past_commitment: int = 0  # answered late + still waiting past the commitment
    past_commitment_waiting: int = 0
    late: list[Late] = field(default_factory=list)

    def status_count(self, *statuses: str) -> int:
        return sum(c.count for c in self.by_status if c.key in statuses)

    @property
    def open_count(self) -> int:
        return self.status_count(NOUVELLE, EN_COURS, ORIENTEE, EN_ATTENTE)

    @property
    def closed_count(self) -> int:
        return self.status_count(*CLOSED_STATUSES)

    @property
    def not_routed(self) -> int:
        return self.total - self.routed_total


# --- SQL fragments per dialect ------------------------------------------------------------------------------------
class _Sql:
    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def request_table(self) -> str:
        """The request table for the dashboard's aggregates. SQLite, once ``ANALYZE`` has run, prefers the narrower
        ``(status, created_at)`` index for a count by status and then reads every row: name the covering index."""
        return "request r" if self.pg else "request r INDEXED BY ix_request_dashboard"

    def seconds(self, start: str, end: str) -> str:
        if self.pg:
            return f"date_part('epoch', {end} - {start})"  # double precision (EXTRACT is numeric: slower to sort)
        return f"((julianday({end}) - julianday({start})) * 86400.0)"

    def month(self, col: str) -> str:
        # SQLite stores timestamps as text ``YYYY-MM-DD HH:MM:SS``: the month is its first 7 characters
        return f"date_trunc('month', {col})" if self.pg else f"substr({col}, 1, 7)"

    def json_to(self, col: str) -> str:
        return f"({col} ->> 'to')" if self.pg else f"json_extract({col}, '$.to')"

    def themes_of(self, alias: str) -> str:
        """A FROM item listing the themes of request ``alias`` as rows of ``value``."""
        if self.pg:
            return f"jsonb_array_elements_text({alias}.themes) AS t(value)"
        return f"json_each({alias}.themes) AS t"

    def matches_of(self, alias: str) -> str:
        """A FROM item listing the programmes proposed to request ``alias`` (staff's list) as rows of ``value``."""
        if self.pg:
            return f"jsonb_array_elements_text({alias}.matches) AS m(value)"
        return f"json_each({alias}.matches) AS m"

    def has_theme(self, alias: str, param: str) -> str:
        if self.pg:
            return f"jsonb_exists({alias}.themes, :{param})"
        # the JSON text holds the id between double quotes (ids are [a-z0-9-]: see Filters.clean)
        return f"instr({alias}.themes, '\"' || :{param} || '\"') > 0"

    def param_time(self, value: dt.datetime) -> Any:
        naive = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return naive if self.pg else naive.isoformat(sep=" ")


def _where(sql: _Sql, period: Period, filters: Filters, alias: str = "r") -> tuple[str, dict[str, Any]]:
    start, end = period.bounds
    conds = [f"{alias}.created_at >= :p_start", f"{alias}.created_at < :p_end"]
    params: dict[str, Any] = {"p_start": sql.param_time(start), "p_end": sql.param_time(end)}
    f = filters
    if f.epci:
        conds.append(f"{alias}.epci_code = :f_epci")
        params["f_epci"] = f.epci
    if f.commune:
        conds.append(f"{alias}.commune_code = :f_commune")
        params["f_commune"] = f.commune
    if f.status:
        conds.append(f"{alias}.status = :f_status")
        params["f_status"] = f.status
    if f.operator:
        # routed to this operator: from the console (a route row) or the Telegram group (the request's operator)
        conds.append(f"({alias}.operator = :f_operator_label OR EXISTS (SELECT 1 FROM request_route rr "
                     f"WHERE rr.reference = {alias}.reference AND rr.operator = :f_operator))")
        params["f_operator"] = f.operator
        params["f_operator_label"] = Names.operator(f.operator)
    if f.theme:
        conds.append(sql.has_theme(alias, "f_theme"))
        params["f_theme"] = f.theme
    return " AND ".join(conds), params


def _prepare(uow: Any, period: Period, filters: Filters | None, now: dt.datetime | None,
             names: Any) -> tuple[Any, Filters, "_Sql", dt.datetime, str, dict[str, Any]]:
    """What the dashboard and the export start from: names, clean filters, the dialect's SQL, now, the WHERE clause
    of the period and filters with its parameters."""
    filters = (filters or Filters()).clean()
    sql = _Sql(uow.conn.dialect.name)
    where, params = _where(sql, period, filters)
    return names or current(), filters, sql, now or dt.datetime.now(dt.timezone.utc), where, params


async def _rows(uow: Any, query: str, params: dict[str, Any]) -> list[Any]:
    return list((await uow.conn.execute(sa.text(query), params)).all())


async def compute(
    uow: Any,
    period: Period,
    filters: Filters | None = None,
    *,
    response_days: int = 5,
    now: dt.datetime | None = None,
    names: Any = None,
    communes_limit: int = TOP_COMMUNES,
) -> Dashboard:
    """Every figure of the dashboard, in a handful of aggregate queries (run inside ``store.unit(readonly=True)``)."""
    from bot.texts import staff as T

    names, filters, sql, now, where, params = _prepare(uow, period, filters, now, names)
    out = Dashboard(period=period, filters=filters, response_days=response_days)
    R = sql.request_table()

    async def group(expr: str, extra: str = "", order: str = "n DESC, k", limit: int | None = None) -> list[Any]:
        lim = f" LIMIT {int(limit)}" if limit else ""
        return await _rows(uow, f"SELECT {expr} AS k, COUNT(*) AS n FROM {R} {extra} WHERE {where} "
                                f"GROUP BY {expr} ORDER BY {order}{lim}", params)

    cutoff = late_cutoff(now, response_days)
    params_now = {**params, "cutoff": sql.param_time(cutoff), "days": int(response_days)}
    closed = ", ".join(f"'{s}'" for s in sorted(CLOSED_STATUSES))
    waiting_late = f"(r.first_action_at IS NULL AND r.status NOT IN ({closed}) AND r.created_at < :cutoff)"
    late = f"(r.first_action_wd > :days OR {waiting_late})"
    per_status = await _rows(uow, f"""
SELECT r.status, COUNT(*) AS n,
       SUM(CASE WHEN r.routed_at IS NOT NULL OR r.operator IS NOT NULL THEN 1 ELSE 0 END) AS routed,
       SUM(CASE WHEN {late} THEN 1 ELSE 0 END) AS late,
       SUM(CASE WHEN {waiting_late} THEN 1 ELSE 0 END) AS late_waiting,
       COUNT(r.first_action_at) AS n_first, COUNT(r.routed_at) AS n_routed, COUNT(r.closed_at) AS n_closed
FROM {R} WHERE {where} GROUP BY r.status""", params_now)
    found_status = {row[0]: row for row in per_status}
    out.by_status = [Count(s, T.status_label(s), int(found_status[s][1]) if s in found_status else 0)
                     for s in STATUSES]
    out.total = sum(int(row[1]) for row in per_status)
    out.routed_total = sum(int(row[2] or 0) for row in per_status)
    out.past_commitment = sum(int(row[3] or 0) for row in per_status)
    out.past_commitment_waiting = sum(int(row[4] or 0) for row in per_status)
    reached = [sum(int(row[i] or 0) for row in per_status) for i in (5, 6, 7)]

    themes = await _rows(uow, f"SELECT t.value AS k, COUNT(*) AS n FROM {R}, {sql.themes_of('r')} "
                              f"WHERE {where} GROUP BY t.value ORDER BY n DESC, k", params)
    out.by_theme = [Count(str(k), names.theme(str(k)), int(n)) for k, n in themes]

    out.by_epci = [Count(k or "", names.epci(k) if k else T.DASH_NO_EPCI, int(n)) for k, n in await group("r.epci_code")]
    out.by_channel = [Count(str(k or ""), channel_label(k), int(n)) for k, n in await group("r.channel")]
    communes = await group("r.commune_code")
    out.communes_total = len(communes)
    out.by_commune = [Count(k or "", names.commune(k) if k else T.UNKNOWN_COMMUNE.capitalize(), int(n))
                      for k, n in communes[:communes_limit]]
    months = [(k if isinstance(k, str) else f"{k:%Y-%m}", n) for k, n in await group(sql.month("r.created_at"),
                                                                                    order="k")]
    out.by_month = [Count(k, T.month_label(k), int(n)) for k, n in months]
    label_to_key = " ".join(f"WHEN '{_sql_str(label)}' THEN '{key}'" for key, label in T.OPERATORS.items())
    # Route rows (one per operator; the console and the group's routing write them), and the operator of requests
    # routed before route rows existed
    routed = await _rows(uow, f"""
WITH routed AS (SELECT rr.operator AS op FROM request_route rr JOIN request r ON r.reference = rr.reference
                WHERE {where}
                UNION ALL
                SELECT CASE r.operator {label_to_key} ELSE r.operator END FROM {R}
                WHERE {where} AND r.operator IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM request_route rr WHERE rr.reference = r.reference))
SELECT op, COUNT(*) AS n FROM routed GROUP BY op ORDER BY n DESC, op""", params)
    out.by_operator = [Count(k, Names.operator(k), int(n)) for k, n in routed]

    # Delays: medians of (first action, first routing, closure) - filing: the middle value(s) of each, ordered by
    # the database (the counts are known from the first query)
    delays = []
    if sql.pg:  # one scan, three ordered-set aggregates
        cols = ("first_action_at", "routed_at", "closed_at")
        aggs = ", ".join(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {sql.seconds('r.created_at', 'r.' + c)})"
                         for c in cols)
        row = (await _rows(uow, f"SELECT {aggs} FROM {R} WHERE {where}", params))[0]
        for m, n in zip(row, reached):
            delays.append(Delay(round(float(m) / 86400.0, 1) if m is not None and n else None, n))
    for col, n in zip(("first_action_at", "routed_at", "closed_at") if not sql.pg else (), reached):
        if not n:
            delays.append(Delay(None, 0))
            continue
        middle = await _rows(uow, f"SELECT {sql.seconds('r.created_at', 'r.' + col)} AS s FROM {R} "
                                  f"WHERE {where} AND r.{col} IS NOT NULL ORDER BY s "
                                  f"LIMIT {2 - n % 2} OFFSET {(n - 1) // 2}", params)
        values = [float(v[0]) for v in middle]
        delays.append(Delay(round(sum(values) / len(values) / 86400.0, 1) if values else None, n))
    out.first_contact, out.orientation, out.closure = delays

    # Past the commitment: the longest first (still waiting, then answered late)
    late_rows = await _rows(uow, f"""
SELECT r.reference, r.commune_code, r.created_at, r.first_action_wd,
       CASE WHEN r.first_action_at IS NULL THEN 1 ELSE 0 END AS waiting
FROM {R} WHERE {where} AND {late}
ORDER BY waiting DESC, r.created_at, r.first_action_wd DESC LIMIT {LATE_LIST_LIMIT}""", params_now)
    out.late = [Late(ref, names.commune(code) if code else "", _aware(created),
                     working_days_between(_aware(created), now) if waiting else int(wd or 0), bool(waiting))
                for ref, code, created, wd, waiting in late_rows]
    out.late.sort(key=lambda x: (not x.waiting, -x.working_days))
    return out


def channel_label(channel: str | None) -> str:
    """The name staff read for a channel (« Telegram », « Page web des élus », « E-mail », « Terminal »), never
    its code."""
    from bot.texts import console as TC, dashboard as DT

    return TC.CHANNELS.get(str(channel or ""), DT.OTHER_CHANNEL)


def _sql_str(value: str) -> str:
    return value.replace("'", "''")


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


# --- one row per request (exports) --------------------------------------------------------------------------------
EXPORT_PAGE = 5000


async def export_rows(
    uow: Any,
    period: Period,
    filters: Filters | None = None,
    *,
    response_days: int = 5,
    now: dt.datetime | None = None,
    names: Any = None,
) -> AsyncIterator[list[Any]]:
    """The export's rows (header first): one per request of the period, names not codes, no contact details.
    Read in keyset pages of :data:`EXPORT_PAGE` requests, so memory stays flat."""
    from bot.texts import staff as T

    names, filters, sql, now, where, params = _prepare(uow, period, filters, now, names)
    yield list(T.EXPORT_HEADERS)
    last_id = 0
    while True:
        rows = await _rows(uow, f"""
SELECT r.id, r.reference, r.created_at, r.commune_code, r.commune_name, r.epci_code, r.role, r.themes,
       r.description, r.stage, r.help_kinds, r.matches, r.status, r.operator, r.assigned_to, r.closed_at,
       r.first_action_at, r.routed_at, r.first_action_wd, r.budget, r.timing
FROM request r WHERE {where} AND r.id > :last_id ORDER BY r.id LIMIT {EXPORT_PAGE}""",
                           {**params, "last_id": last_id})
        if not rows:
            return
        for r in rows:
            (rid, ref, created, ccode, cname, epci, role, themes, need, stage, helps, matches, status, operator,
             assigned, closed, first_at, routed_at, wd, budget, timing) = r
            waiting = first_at is None and status not in CLOSED_STATUSES
            late = (wd is not None and int(wd) > response_days) or (
                waiting and working_days_between(_aware(created), now) > response_days)
            yield [
                ref, _day(created), cname or "", ccode or "", names.epci(epci) if epci else "",
                names.role(role),
                ", ".join(names.theme(t) for t in _list(themes)),
                names.stage(stage),
                ", ".join(names.help_kind(h) for h in _list(helps)),
                ", ".join(names.offer(o) for o in _list(matches)[:5]),
                T.status_label(status), operator or "", assigned or "",
                _day(first_at), int(wd) if first_at is not None and wd is not None else "",
                _day(routed_at), _day(closed), T.YES if late else T.NO,
                (need or "")[:2000], names.request_url(ref),
                budget or "", timing or "",  # issue 26
            ]
        last_id = rows[-1][0]


async def programme_counts(uow: Any, period: Period, filters: Filters | None = None, *, limit: int = 10,
                           names: Any = None) -> list[Count]:
    """Issue 26: requests of the period by programme proposed (staff's corrected list), the ``limit`` most frequent.
    Apart from :func:`compute` (it reads each request's ``matches``, which no covering index holds): the report
    asks for it, the dashboard's figures stay within their budget."""
    names, filters, sql, _now, where, params = _prepare(uow, period, filters, None, names)
    R = sql.request_table()
    rows = await _rows(uow, f"SELECT m.value AS k, COUNT(*) AS n FROM {R}, {sql.matches_of('r')} "
                            f"WHERE {where} GROUP BY m.value ORDER BY n DESC, k LIMIT {int(limit)}", params)
    return [Count(str(k), names.offer(str(k)), int(n)) for k, n in rows]


def _list(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        import json

        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return [str(x) for x in raw] if isinstance(raw, list) else []


def _day(value: Any) -> Any:
    """The day of ``value`` (a ``date``: the XLSX export writes it as a date, the CSV as ``YYYY-MM-DD``)."""
    if value is None or value == "":
        return ""
    return _aware(value).date()


def scoped_filters(filters: Filters, operator_scope: str | None) -> Filters:
    """An operator agent sees only its operator's requests, whatever the filters say."""
    if operator_scope is None:
        return filters
    return Filters(filters.epci, filters.commune, filters.theme, filters.status, operator_scope)


def choices(names: Any = None) -> dict[str, Sequence[tuple[str, str]]]:
    """Filter choices for a form: EPCI and communes of the deployment, themes, statuses, operators."""
    from bot.texts import staff as T

    names = names or current()
    return {
        "themes": sorted(names.themes.items(), key=lambda kv: kv[1]),
        "statuses": [(s, T.status_label(s)) for s in STATUSES],
        "operators": list(T.OPERATORS.items()),
    }


# --- files ----------------------------------------------------------------------------------------------------------
CSV_DELIMITER = ";"  # what French spreadsheets expect; LibreOffice detects it


async def write_csv(uow: Any, out: Any, period: Period, filters: Filters | None = None, **kwargs: Any) -> int:
    """The export as CSV (UTF-8 with BOM, ``;``-separated) written to the text stream ``out``; returns data rows."""
    import csv

    out.write("\ufeff")
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    n = -1
    async for row in export_rows(uow, period, filters, **kwargs):
        writer.writerow([_csv_safe(v) for v in row])
        n += 1
    return n


def _csv_safe(value: Any) -> Any:
    """A text cell a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``) is prefixed with ``'``."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def write_xlsx(uow: Any, out: Any, period: Period, filters: Filters | None = None, **kwargs: Any) -> int:
    """The export as an XLSX workbook written to the binary stream ``out``; returns data rows."""
    from bot.staff.xlsx import XlsxWriter
    from bot.texts import staff as T

    with XlsxWriter(out, sheet=T.EXPORT_SHEET, title=T.export_title(period.start, period.end)) as w:
        async for row in export_rows(uow, period, filters, **kwargs):
            w.add(row)
    return w.count - 1


def export_filename(period: Period, ext: str) -> str:
    return f"guichet-demandes-{period.start.isoformat()}-{period.end.isoformat()}.{ext}"


# --- cache ----------------------------------------------------------------------------------------------------------
class DashboardCache:
    """The last dashboards computed, each kept while the data it was computed from is unchanged.

    Every change a dashboard shows writes an event (a request filed, a status, a routing, a question…), so the
    highest event id is the data's version; the day of the commitment's cutoff is in the key too (who is late changes
    with time). Entries also expire after ``ttl`` seconds. Per process; a miss costs one ``MAX(id)`` on the event
    table's primary key."""

    def __init__(self, size: int = 64, ttl: float = 600.0) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[Any, tuple[float, Dashboard]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    async def compute(self, uow: Any, period: Period, filters: Filters | None = None, *, response_days: int = 5,
                      now: dt.datetime | None = None, communes_limit: int = TOP_COMMUNES) -> Dashboard:
        now = now or dt.datetime.now(dt.timezone.utc)
        version = (await uow.conn.execute(sa.text("SELECT MAX(id) FROM event"))).scalar()
        key = (str(uow.conn.engine.url), period, (filters or Filters()).clean(), response_days,
               late_cutoff(now, response_days), communes_limit, version)
        with self._lock:
            item = self._items.get(key)
            if item is not None and time.monotonic() - item[0] < self.ttl:
                self._items.move_to_end(key)
                self.hits += 1
                return item[1]
        self.misses += 1
        board = await compute(uow, period, filters, response_days=response_days, now=now,
                              communes_limit=communes_limit)
        with self._lock:
            self._items[key] = (time.monotonic(), board)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return board


#: The console's cache (one per process).
CACHE = DashboardCache()
