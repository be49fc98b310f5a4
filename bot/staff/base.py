"""What every staff action shares: its result (:class:`StaffResult`, ``ok=False`` with a French message for the
staff group rather than an exception), the cleaning of text typed by a mayor or an agent, its limits, and who acted."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.store.models import RequestRecord

MAX_RELAY_CHARS = 3500
MAX_NOTE_CHARS = 5000


# --- results ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffResult:
    ok: bool
    code: str  # ok | unchanged | unknown_reference | illegal_transition | unknown_operator | empty_text |
    #            unknown_outcome | no_target | already_handled | unavailable
    message: str  # French, for the staff group
    record: RequestRecord | None = None
    outbox_ids: list[int] = field(default_factory=list)


def _fail(code: str, message: str, record: RequestRecord | None = None) -> StaffResult:
    return StaffResult(ok=False, code=code, message=message, record=record)


def _clean(text: str | None) -> str:
    """Drop control characters (keep newlines and tabs) from text typed by a mayor."""
    if not text:
        return ""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _who(actor: str, by: str | None) -> str:
    return by or actor


def _by(data: dict[str, Any], actor_name: str | None) -> dict[str, Any]:
    """An event's data with ``by`` (the acting person's name) when known."""
    return {**data, "by": actor_name} if actor_name else data
