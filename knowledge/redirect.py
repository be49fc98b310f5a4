"""What the guichet is not for (off-topic pointers) and why nothing fits (no-fit reasons): data in
``knowledge/data/redirects.yaml``, each line with its public sources.

Whether a message is off-topic is decided by the understanding (``intents``); this module only says WHICH public
service to name (``pointer``) and, when no programme fits a need, whether the guichet can say why (``why_no_fit``).
Pure: no ``bot`` import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from intents.normalize import normalize

PATH = Path(__file__).resolve().parent / "data" / "redirects.yaml"


@dataclass(frozen=True)
class Pointer:
    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class _Cued:
    pointer: Pointer
    pattern: re.Pattern[str]


def _pattern(cues: list[str]) -> re.Pattern[str]:
    words = sorted({normalize(str(c)) for c in cues if str(c).strip()}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


def _flat(text: object) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


class Redirects:
    def __init__(self, data: dict) -> None:
        self.guichet = _flat(data["guichet"])
        self.verified = str(data.get("verified") or "")
        self._pointers = [_Cued(Pointer(p["id"], _flat(p["text"]), tuple(p.get("sources") or ())),
                                _pattern(p["cues"])) for p in data["pointers"]]
        d = data["default"]
        self.default = Pointer(d["id"], _flat(d["text"]), tuple(d.get("sources") or ()))
        nf = data.get("no_fit") or {}
        self._no_fit = [_Cued(Pointer(r["id"], _flat(r["text"]), ()), _pattern(r["cues"]))
                        for r in nf.get("reasons") or []]

    @classmethod
    @lru_cache(maxsize=2)
    def load(cls, path: Path = PATH) -> "Redirects":
        return cls(yaml.safe_load(Path(path).read_text(encoding="utf-8")))

    def topic(self, text: str) -> Pointer | None:
        """The personal procedure a message names (passport, taxes…), None when it names none."""
        norm = normalize(text or "")
        for cued in self._pointers:
            if cued.pattern.search(norm):
                return cued.pointer
        return None

    def pointer(self, text: str) -> Pointer:
        """Where to send an off-topic message: the service for the procedure it names, else France services."""
        return self.topic(text) or self.default

    def why_no_fit(self, text: str) -> Pointer | None:
        """Why no programme fits this need, when the guichet can tell (running costs, events, salaries,
        subsidies to associations); None otherwise."""
        found = self.no_fit(text)
        return found[0] if found else None

    def no_fit(self, text: str) -> tuple[Pointer, bool] | None:
        """Why no programme fits what ``text`` asks for, and whether the reading is sure enough to stand where the
        matcher finds programmes on the topic's words. Read from meaning (``intents.no_fit``: labelled clauses and
        the sentence encoder); the exact cues of ``redirects.yaml`` only without an encoder (never sure)."""
        from intents import no_fit as learned

        by_id = {c.pointer.id: c.pointer for c in self._no_fit}
        if learned.available():
            found = learned.no_fit_reason(text)
            if found is None or found.reason not in by_id:
                return None
            return by_id[found.reason], found.sure
        norm = normalize(text or "")
        for cued in self._no_fit:
            if cued.pattern.search(norm):
                return cued.pointer, False
        return None

    def all_texts(self) -> list[str]:
        return [c.pointer.text for c in self._pointers] + [self.default.text]

    def no_fit_texts(self) -> list[str]:
        return [c.pointer.text for c in self._no_fit]
