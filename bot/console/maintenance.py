"""Keeping the inbox's query plans good on SQLite.

SQLite plans from statistics that only ``ANALYZE`` gathers (PostgreSQL's autovacuum does it by itself). Without them,
at 100,000 requests, an operator agent's « non assignées » count took 610 ms (the planner walked the status index);
with them, 28 ms. :func:`refresh_planner_stats` runs at the web server's start: ``ANALYZE`` when there are enough
requests and the statistics are missing or the table has doubled or halved since (about 1 s at 100,000 requests).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)
MIN_ROWS = 1000


async def refresh_planner_stats(store: Any) -> bool:
    """Returns True when it ran ``ANALYZE``."""
    if getattr(store, "dialect", None) != "sqlite":
        return False
    async with store.unit() as uow:
        conn = uow.conn
        rows = int((await conn.execute(sa.text("SELECT count(*) FROM request"))).scalar() or 0)
        if rows < MIN_ROWS:
            return False
        has_stats = (await conn.execute(sa.text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"))).scalar()
        analysed = None
        if has_stats:
            stat = (await conn.execute(sa.text(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'request' AND idx = 'ix_request_status'"))).scalar()
            analysed = int(str(stat).split()[0]) if stat else None
        if analysed is not None and analysed / 2 <= rows <= analysed * 2:
            return False
        await conn.exec_driver_sql("ANALYZE")
    log.info("SQLite statistics refreshed (%d requests)", rows)
    return True
