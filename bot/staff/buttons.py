"""The buttons of a request's staff-group message and the parsing of their data.

Callback data (<= 64 bytes): ``st:take:REF``, ``st:route:REF`` (opens the operator choice), ``st:op:REF:KEY``,
``st:ask:REF``, ``st:close:REF`` (opens the outcome choice), ``st:cl:REF:t|s``, ``st:back:REF``. Parse with
:func:`parse_callback`; never trust it further than that (the action re-checks the state).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.models import CLOSED_STATUSES, RequestRecord
from bot.texts import staff as T

CALLBACK_PREFIX = "st"


def _cb(action: str, reference: str, arg: str | None = None) -> str:
    data = f"{CALLBACK_PREFIX}:{action}:{reference}" + (f":{arg}" if arg else "")
    assert len(data.encode()) <= 64
    return data


def staff_buttons(record: RequestRecord) -> list[list[dict[str, str]]]:
    """The action buttons of a request's group message (none once it is closed)."""
    if record.status in CLOSED_STATUSES:
        return []
    ref = record.reference
    return [
        [{"label": T.BTN_TAKE, "data": _cb("take", ref)}, {"label": T.BTN_ROUTE, "data": _cb("route", ref)}],
        [{"label": T.BTN_ASK, "data": _cb("ask", ref)}, {"label": T.BTN_CLOSE, "data": _cb("close", ref)}],
    ]


def operator_buttons(reference: str) -> list[list[dict[str, str]]]:
    items = [{"label": label, "data": _cb("op", reference, key)} for key, label in T.OPERATORS.items()]
    rows = [items[i : i + 2] for i in range(0, len(items), 2)]
    rows.append([{"label": T.BTN_BACK, "data": _cb("back", reference)}])
    return rows


def close_buttons(reference: str) -> list[list[dict[str, str]]]:
    return [
        [{"label": T.BTN_CLOSE_DONE, "data": _cb("cl", reference, "t")},
         {"label": T.BTN_CLOSE_DROP, "data": _cb("cl", reference, "s")}],
        [{"label": T.BTN_BACK, "data": _cb("back", reference)}],
    ]


@dataclass(frozen=True)
class StaffCallback:
    action: str  # take | route | op | ask | close | cl | back
    reference: str
    arg: str | None = None


_CALLBACK_ACTIONS = {"take": 0, "route": 0, "ask": 0, "close": 0, "back": 0, "op": 1, "cl": 1}


def parse_callback(data: str | None) -> StaffCallback | None:
    """Parse a staff button's data; None for anything that is not exactly one of ours."""
    if not data or len(data.encode("utf-8", "ignore")) > 64:
        return None
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != CALLBACK_PREFIX or parts[1] not in _CALLBACK_ACTIONS:
        return None
    action, ref, rest = parts[1], parts[2], parts[3:]
    if len(rest) != _CALLBACK_ACTIONS[action] or not _looks_like_reference(ref):
        return None
    arg = rest[0] if rest else None
    if action == "op" and arg not in T.OPERATORS:
        return None
    if action == "cl" and arg not in ("t", "s"):
        return None
    return StaffCallback(action, ref, arg)


def _looks_like_reference(ref: str) -> bool:
    parts = ref.split("-")
    return (
        len(parts) == 3
        and 2 <= len(parts[0]) <= 3
        and parts[0].isalnum()
        and parts[1].isdigit()
        and len(parts[1]) == 4
        and parts[2].isdigit()
    )
