"""Search of requests by what staff type in the group (``/demandes giromagny santé``): the console's search
(:mod:`bot.store.search`: every word found in the request's folded reference, collectivité and need, accents and
case ignored), with the group's limits. Transport-free; one count and one page query in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import sqlalchemy as sa

from bot.store.search import like_pattern, query_words
from bot.store.tables import request_t


@dataclass(frozen=True)
class SearchResult:
    total: int
    records: list[Any] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def words_of(query: str) -> list[str]:
    return query_words(query)


async def search_requests(uow: Any, query: str, *, statuses: Sequence[str] | None = None,
                          limit: int = 50) -> SearchResult:
    """Requests matching every word of ``query`` (newest first, at most ``limit``) and how many match in all."""
    from bot.store.repository import _request  # the repository's row -> record mapping

    words = query_words(query)
    if not words:
        return SearchResult(0, [], [])
    conds = [request_t.c.search_text.like(like_pattern(w), escape="\\") for w in words]
    if statuses:
        conds.append(request_t.c.status.in_(list(statuses)))
    cond = sa.and_(*conds)
    total = (await uow.conn.execute(sa.select(sa.func.count()).select_from(request_t).where(cond))).scalar_one()
    rows = (await uow.conn.execute(
        sa.select(request_t).where(cond).order_by(request_t.c.created_at.desc(), request_t.c.id.desc()).limit(limit)
    )).all()
    return SearchResult(int(total), [_request(r) for r in rows], words)
