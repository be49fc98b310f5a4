"""The person's own words, kept with a request for staff: the event ``original_messages`` (written at filing by
``bot.dialogue.filing``), data ``{"messages": [...], "need": "..."}``:

* ``messages``: the person's messages during the intake (issue 9);
* ``need``: the message(s) that described the project, verbatim (greeting, « je suis maire de … » included), while
  the request's ``description`` holds the need trimmed to the project's words (``intents.need.clean_need``).

Read back for the staff card (« Message d'origine ») and the console's request page. No migration: the event's
JSON holds it, and erasing personal data drops it whole (``bot.store.retention``).
"""

from __future__ import annotations

from typing import Any, Iterable

from intents.normalize import normalize

KIND = "original_messages"
#: The original need shown to staff is bounded (the intake keeps at most 3 000 characters of it).
MAX_ORIGINAL_CHARS = 3000
MAX_MESSAGES = 40


def event_data(messages: list[str], need: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"messages": [str(m) for m in messages][:MAX_MESSAGES]}
    if need and need.strip():
        data["need"] = need.strip()[:MAX_ORIGINAL_CHARS]
    return data


def _originals(events: Iterable[Any]) -> list[dict[str, Any]]:
    return [e.data for e in events if getattr(e, "kind", None) == KIND and isinstance(getattr(e, "data", None), dict)]


def original_need(events: Iterable[Any]) -> str | None:
    """The person's words of the need, verbatim, from the first filing (None for requests filed before it was
    kept, or after the person's data was erased)."""
    for data in _originals(events):
        need = data.get("need")
        if isinstance(need, str) and need.strip():
            return need.strip()[:MAX_ORIGINAL_CHARS]
    return None


def person_messages(events: Iterable[Any]) -> list[str]:
    """Every message the person typed during their intake(s) for this request, in order."""
    out: list[str] = []
    for data in _originals(events):
        for m in data.get("messages") or []:
            if isinstance(m, str) and m.strip():
                out.append(m)
    return out[: MAX_MESSAGES * 2]


def worth_showing(original: str | None, description: str | None) -> bool:
    """The original says more than the need as filed (it is not the same words)."""
    if not original:
        return False
    return normalize(original) != normalize(description or "")
