"""Search of requests by what staff type: a commune, a reference, words of the need (``/demandes giromagny``).

Every word must match (AND); a word matches a request when it is in its reference, its commune's name (accents and
case ignored: ``evette`` finds Évette-Salbert), or the words of its need (case ignored; an unaccented ``e`` also
matches ``é è ê ë``, so ``ecole`` finds « école »). Transport-free; one count and one page query in the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Sequence

import sqlalchemy as sa

from bot.store.tables import request_t

MAX_WORDS = 8
MAX_WORD_CHARS = 60
MAX_COMMUNE_CODES = 400
_REF_RE = re.compile(r"^[0-9]{2}[0-9AB]?-[0-9]{4}(-[0-9]{1,6})?$", re.IGNORECASE)
_WORD_RE = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+(?:-[0-9A-Za-z\u00C0-\u024F]+)*")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def words_of(query: str) -> list[str]:
    """The words of a query (references and hyphenated names kept whole), at most :data:`MAX_WORDS`."""
    words = [w[:MAX_WORD_CHARS] for w in _WORD_RE.findall(query or "")]
    return [w for w in words if len(w) >= 2 or w.isdigit()][:MAX_WORDS]


@dataclass(frozen=True)
class SearchResult:
    total: int
    records: list[Any] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _commune_codes(word: str, communes: dict[str, str], departement: str | None) -> list[str]:
    """Codes of the communes whose name (folded) contains ``word`` (folded) as a whole word or word prefix."""
    w = fold(word).replace("-", " ").strip()
    if len(w) < 3:
        return []
    out = []
    for code, name in communes.items():
        if departement and not code.startswith(departement):
            continue
        key = " " + fold(name).replace("-", " ").replace("'", " ")
        if " " + w in key:
            out.append(code)
            if len(out) >= MAX_COMMUNE_CODES:
                break
    return out


def word_condition(word: str, communes: dict[str, str] | None = None, departement: str | None = None) -> Any:
    """The SQL condition of one word (see the module's docstring)."""
    c = request_t.c
    if _REF_RE.match(word):
        return c.reference.like(_like_escape(word.upper()) + "%", escape="\\")
    if word.isdigit():
        return sa.or_(c.reference.like("%-" + _like_escape(word), escape="\\"),
                      c.commune_code == word, c.description.like("%" + word + "%"))
    lowered = word.lower()
    pattern = "%" + _like_escape(lowered).replace("e", "_") + "%"
    conds = [c.description.ilike(pattern, escape="\\"), c.commune_name.ilike(pattern, escape="\\")]
    folded = fold(word)
    if folded != lowered:  # typed with accents: the unaccented spelling too
        conds.append(c.description.ilike("%" + _like_escape(folded) + "%", escape="\\"))
    codes = _commune_codes(word, communes or {}, departement)
    if codes:
        conds.append(c.commune_code.in_(codes))
    return sa.or_(*conds)


def search_condition(query: str, communes: dict[str, str] | None = None, departement: str | None = None) -> Any:
    words = words_of(query)
    if not words:
        return sa.true()
    return sa.and_(*(word_condition(w, communes, departement) for w in words))


async def search_requests(
    uow: Any,
    query: str,
    *,
    statuses: Sequence[str] | None = None,
    limit: int = 50,
    communes: dict[str, str] | None = None,
    departement: str | None = None,
) -> SearchResult:
    """Requests matching ``query`` (newest first, at most ``limit``) and how many match in all."""
    from bot.store.repository import _request  # the repository's row -> record mapping

    if communes is None:
        from bot.staff.names import current

        communes = current().communes
    cond = search_condition(query, communes, departement)
    if statuses:
        cond = sa.and_(cond, request_t.c.status.in_(list(statuses)))
    total = (await uow.conn.execute(sa.select(sa.func.count()).select_from(request_t).where(cond))).scalar_one()
    rows = (await uow.conn.execute(
        sa.select(request_t).where(cond).order_by(request_t.c.created_at.desc(), request_t.c.id.desc()).limit(limit)
    )).all()
    return SearchResult(int(total), [_request(r) for r in rows], words_of(query))
