"""Operators and closing outcomes as staff type or press them: ``"Ademe"``, ``"bdt"``, ``"sans suite"``…"""

from __future__ import annotations

import unicodedata

from bot.store.models import CLOSE_SANS_SUITE, TRAITEE
from bot.texts import staff as T


# --- operators and outcomes -------------------------------------------------------------------------------------------
def _fold(value: str) -> str:
    value = unicodedata.normalize("NFKD", value or "")
    value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(value.lower().replace("-", " ").replace("_", " ").split())


_OPERATOR_ALIASES: dict[str, str] = {}
for _key, _label in T.OPERATORS.items():
    _OPERATOR_ALIASES[_fold(_key)] = _key
    _OPERATOR_ALIASES[_fold(_label)] = _key
_OPERATOR_ALIASES.update({"banque des territoires": "bdt", "cdc": "bdt", "anct": "anct", "autre": "autre"})


def resolve_operator(value: str) -> tuple[str, str] | None:
    """``"Ademe"``, ``"ademe"``, ``"bdt"``, ``"Banque des Territoires"`` → ``(key, label)``; None if unknown."""
    key = _OPERATOR_ALIASES.get(_fold(value))
    return (key, T.OPERATORS[key]) if key else None


def resolve_outcome(value: str) -> str | None:
    v = _fold(value)
    if v in {"traitee", "t", "done", "traite", "ok"}:
        return TRAITEE
    if v in {"close sans suite", "sans suite", "s", "drop", "close", "abandon"}:
        return CLOSE_SANS_SUITE
    return None
