"""The comité local's pages: ``/console/tableau-de-bord`` (figures and charts for a period, with filters),
``/console/rapport?du=…&au=…`` (the printable report the CLCT receives) and the exports ``/console/export.csv`` and
``/console/export.xlsx`` (one row per request).

Who may: the dashboard and the report, agents with ``DASHBOARD`` (préfecture, comité, admin); the exports, the same
plus operator agents, whose export holds only the requests routed to their operator (enforced in the query). The
figures come from :mod:`bot.staff.dashboard` (aggregates in the database).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from typing import Any, AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from bot.staff import dashboard as D
from bot.staff.names import current as current_names
from bot.store.models import ROLE_OPERATEUR, Agent
from bot.texts import dashboard as DT
from bot.texts import staff as ST
from bot.webkit.deps import DASHBOARD, READ_ALL, READ_ROUTED, Forbidden, can, guichet, require
from bot.webkit.templating import render

router = APIRouter(prefix="/console")

REPORT_LIST_LIMIT = 300
REPORT_COMMUNES = 200


def _q(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value[:64] if value else None


def _period(request: Request) -> D.Period:
    return D.Period.parse(_q(request, "du"), _q(request, "au"), D.Period.last_months(12))


def _filters(request: Request) -> D.Filters:
    return D.Filters(epci=_q(request, "epci"), theme=_q(request, "theme"), status=_q(request, "statut")).clean()


def _scope(agent: Agent) -> str | None:
    """The operator an agent's export is restricted to (None: everything)."""
    if can(agent, DASHBOARD) or can(agent, READ_ALL):
        return None
    if agent.role == ROLE_OPERATEUR and can(agent, READ_ROUTED):
        if not agent.operator:
            raise Forbidden()
        return agent.operator
    raise Forbidden()  # pragma: no cover - require() already refused


def _query(period: D.Period, filters: D.Filters) -> str:
    from urllib.parse import urlencode

    pairs = [("du", period.start.isoformat()), ("au", period.end.isoformat())]
    pairs += [(k, v) for k, v in (("epci", filters.epci), ("theme", filters.theme), ("statut", filters.status)) if v]
    return urlencode(pairs)


def _epcis(request: Request) -> list[tuple[str, str]]:
    app = guichet(request)
    try:
        return [(p.code, p.name) for p in app.kb.territory.epcis_of(app.settings.departement)]
    except Exception:  # noqa: BLE001 - a knowledge base without territory: no EPCI choice
        return []


async def _compute(request: Request, period: D.Period, filters: D.Filters) -> D.Dashboard:
    app = guichet(request)
    async with app.store.unit(readonly=True) as uow:
        return await D.CACHE.compute(uow, period, filters, response_days=app.settings.late_days)


def _shortcuts(today: dt.date) -> list[tuple[str, D.Period]]:
    return [
        (DT.THIS_SEMESTER, D.Period.semester(today)),
        (DT.LAST_12_MONTHS, D.Period.last_months(12, today)),
        (DT.YEAR.format(year=today.year - 1), D.Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))),
    ]


def _context(request: Request, agent: Agent, period: D.Period, filters: D.Filters, board: D.Dashboard) -> dict:
    names = current_names()
    today = dt.datetime.now(dt.timezone.utc).date()
    query = _query(period, filters)
    return {
        "nav": "dashboard", "d": DT, "board": board, "period": period, "filters": filters, "query": query,
        "epcis": _epcis(request), "choices": D.choices(names), "status_label": ST.status_label,
        "shortcuts": [(label, _query(p, filters)) for label, p in _shortcuts(today)],
        "days": ST.days_label, "can_open_requests": can(agent, READ_ALL),
        "theme_label": names.theme, "epci_label": names.epci,
        "departement": names.departement(guichet(request).settings.departement), "today": today,
    }


@router.get("/tableau-de-bord")
async def dashboard_page(request: Request, agent: Agent = Depends(require(DASHBOARD))) -> Response:
    period, filters = _period(request), _filters(request)
    board = await _compute(request, period, filters)
    return render(request, "console/dashboard.html", _context(request, agent, period, filters, board))


@router.get("/rapport")
async def report_page(request: Request, agent: Agent = Depends(require(DASHBOARD))) -> Response:
    period, filters = _period(request), _filters(request)
    app = guichet(request)
    async with app.store.unit(readonly=True) as uow:
        board = await D.CACHE.compute(uow, period, filters, response_days=app.settings.late_days,
                                      communes_limit=REPORT_COMMUNES)
        by_programme = await D.programme_counts(uow, period, filters)  # issue 26: a chart by programme
        rows = []
        async for row in D.export_rows(uow, period, filters, response_days=app.settings.late_days):
            rows.append(row)
            if len(rows) > REPORT_LIST_LIMIT:
                break
    header, listed = rows[0], rows[1:]  # in the order they were filed
    context = _context(request, agent, period, filters, board)
    context.update({"rows": listed[:REPORT_LIST_LIMIT], "header": header, "by_programme": by_programme})
    return render(request, "console/report.html", context)


async def _export_stream(request: Request, agent: Agent, kind: str) -> Response:
    period, filters = _period(request), _filters(request)
    filters = D.scoped_filters(filters, _scope(agent))
    app = guichet(request)
    name = D.export_filename(period, kind)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if kind == "csv":
        async def body() -> AsyncIterator[bytes]:
            import csv

            buf = io.StringIO()
            writer = csv.writer(buf, delimiter=D.CSV_DELIMITER, lineterminator="\r\n")
            buf.write("\ufeff")
            async with app.store.unit(readonly=True) as uow:
                async for row in D.export_rows(uow, period, filters, response_days=app.settings.late_days):
                    writer.writerow([D._csv_safe(v) for v in row])
                    if buf.tell() > 256 * 1024:
                        yield buf.getvalue().encode("utf-8")
                        buf.seek(0)
                        buf.truncate()
            yield buf.getvalue().encode("utf-8")

        return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=headers)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    async with app.store.unit(readonly=True) as uow:
        await D.write_xlsx(uow, spool, period, filters, response_days=app.settings.late_days)
    spool.seek(0)

    def chunks() -> Any:
        try:
            while True:
                data = spool.read(256 * 1024)
                if not data:
                    return
                yield data
        finally:
            spool.close()

    return StreamingResponse(
        chunks(), headers=headers,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/export.csv")
async def export_csv(request: Request, agent: Agent = Depends(require(DASHBOARD, READ_ALL, READ_ROUTED))) -> Response:
    return await _export_stream(request, agent, "csv")


@router.get("/export.xlsx")
async def export_xlsx(request: Request, agent: Agent = Depends(require(DASHBOARD, READ_ALL, READ_ROUTED))
                      ) -> Response:
    return await _export_stream(request, agent, "xlsx")
