"""The console's search: requests keep ``search_text``, their reference, collectivité and need folded (lower case,
accents and punctuation spacing removed), and a query matches when every word of it is found in that text.

PostgreSQL: a trigram index (``pg_trgm``, created by migration 0005 when the extension is available) serves the
``LIKE '%word%'``; SQLite scans (see docs/performance.md for figures at 100,000 requests).
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 8
_SEP = re.compile(r"[\s'’\"`«»,;:!?()\[\]{}]+")


def fold(value: str | None) -> str:
    value = unicodedata.normalize("NFKD", value or "")
    value = "".join(c for c in value if not unicodedata.combining(c)).lower()
    return " ".join(value.split())


def search_text(reference: str | None, commune_name: str | None, description: str | None) -> str:
    return fold(" ".join(p for p in (reference, commune_name, description) if p))


def query_words(query: str | None) -> list[str]:
    """The words of a search box's query, folded, at most :data:`MAX_WORDS`, each at most 60 characters."""
    words = [w[:60] for w in _SEP.split(fold(query)) if w and w not in {"-", "."}]
    seen: list[str] = []
    for w in words:
        if w not in seen:
            seen.append(w)
    return seen[:MAX_WORDS]


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE's wildcards escaped (escape character ``\\``)."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
