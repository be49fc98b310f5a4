"""User-supplied numbers, parsed with bounds (issue 25): a value out of range is a 400 (or is ignored, for a
filter), never a 500 from the database refusing an integer it cannot hold.

    from bot.webkit.params import MAX_ID, parse_id
    agent_id = parse_id(form_value)          # None unless "1" … "2147483647"
    async def page(agent_id: int = Path(ge=1, le=MAX_ID)): ...   # FastAPI: out of range → 400 page
"""

from __future__ import annotations

#: Largest id of a table with a 32-bit integer key (PostgreSQL ``integer``; SQLite takes 64 bits).
MAX_ID = 2**31 - 1


def parse_int(value: object, low: int, high: int) -> int | None:
    """``value`` as an int within ``[low, high]`` (plain ASCII digits, an optional minus sign, at most 19
    characters), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits or len(text) > 19 or not (digits.isascii() and digits.isdigit()):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_id(value: object) -> int | None:
    """A row id given by the user (form field, query parameter): 1 … :data:`MAX_ID`, else None."""
    return parse_int(value, 1, MAX_ID)


def is_id(value: object) -> bool:
    return parse_id(value) is not None
