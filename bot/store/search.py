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


def search_text(reference: str | None, commune_name: str | None, description: str | None, *more: str | None) -> str:
    """``more`` (issue 26): the person's name, e-mail address and phone (also kept as digits, national form)."""
    extra = [p for p in more if p]
    extra += [phone_digits(p) for p in more if p and phone_digits(p)]
    return fold(" ".join(p for p in (reference, commune_name, description, *extra) if p))


#: The folded words of a request's conversation and notes are added up to this size (the scan stays narrow).
MAX_SEARCH_CHARS = 20_000
_PHONE = re.compile(r"^\+?[\d\s.\-()]{9,}$")


def phone_digits(value: str | None) -> str | None:
    """« +33 6 12 34 56 78 », « 06.12.34.56.78 » → ``0612345678``; None when it is not a phone number."""
    if not value or not _PHONE.match(value.strip()):
        return None
    value = value.strip()
    if not value.startswith(("+", "0")):  # « 90-2026-0003 » is a reference, not a phone
        return None
    digits = re.sub(r"\D", "", value)
    if value.startswith("+33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if 9 <= len(digits) <= 15 else None


def query_words(query: str | None) -> list[str]:
    """The words of a search box's query, folded, at most :data:`MAX_WORDS`, each at most 60 characters. A phone
    number, however spaced, is one word (its digits, national form)."""
    phone = phone_digits(query)
    if phone:
        return [phone]
    words = [_stem(w[:60]) for w in _SEP.split(fold(query)) if w and w not in {"-", "."}]
    seen: list[str] = []
    for w in words:
        if w not in seen:
            seen.append(w)
    return seen[:MAX_WORDS]


def _stem(word: str) -> str:
    """Ending-insensitive (issue 26): a plural « s » or « x » of a word is dropped, so « communautaires » finds
    « communautaire » and « travaux » finds « travau(x) »; other words as they are."""
    if len(word) > 4 and word.isalpha() and word[-1] in "sx":
        return word[:-1]
    return word


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE's wildcards escaped (escape character ``\\``)."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
