"""Names, never codes: the labels the console shows for themes, places, offers, operators, statuses."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bot.texts import console as T
from bot.texts import staff as TS


class Labels:
    """Built once per app from the knowledge base; every lookup falls back to the raw value (never raises)."""

    def __init__(self, kb: Any, departement: str = "90") -> None:
        self.kb = kb
        self.themes: dict[str, str] = {}
        self.offers: dict[str, str] = {}
        self.epcis: dict[str, str] = {}
        self.communes: dict[str, str] = {}
        try:
            self.themes = {str(getattr(k, "value", k)): t.label for k, t in kb.themes.items()}
            self.offers = {k: o.name for k, o in kb.offers.items()}
            self.epcis = {p.code: p.name for p in kb.territory.epcis_of(departement)}
            self.communes = {p.code: p.name for p in kb.territory.communes_of(departement)}
        except Exception:  # noqa: BLE001 - a partial KB (tests) still gives pages, with codes where names are missing
            pass

    def theme(self, key: str) -> str:
        return self.themes.get(key, key)

    def offer(self, key: str) -> str:
        return self.offers.get(key, key)

    def epci(self, code: str | None) -> str:
        if not code:
            return "—"
        if code in self.epcis:
            return self.epcis[code]
        place = self._place(code)
        return place.name if place is not None else code

    def commune(self, code: str | None, name: str | None = None) -> str:
        if name:
            return name
        if not code:
            return T.UNKNOWN_COMMUNE
        return self.communes.get(code) or code

    def epci_of_commune(self, code: str | None) -> str | None:
        place = self._place(code) if code else None
        return getattr(place, "epci_code", None)

    def _place(self, code: str) -> Any:
        try:
            return self.kb.place(code)
        except Exception:  # noqa: BLE001
            return None

    @staticmethod
    def operator(key: str | None) -> str:
        return TS.OPERATORS.get(key or "", key or "—")

    @staticmethod
    def status(key: str) -> str:
        return TS.STATUS_LABELS.get(key, key)

    @staticmethod
    def route_status(key: str) -> str:
        return TS.ROUTE_STATUS_LABELS.get(key, key)

    @staticmethod
    def role(key: str | None) -> str:
        return TS.ROLE_LABELS.get(key or "", key or "—")

    @staticmethod
    def stage(key: str | None) -> str:
        return TS.STAGE_LABELS.get(key or "", key or "—")

    @staticmethod
    def help_kind(key: str) -> str:
        return TS.HELP_LABELS.get(key, key)


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """« 3 j », « 5 h », « 12 min » since ``when``; « — » for None."""
    if when is None:
        return "—"
    now = now or datetime.now(timezone.utc)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 3600:
        return T.ago_minutes(seconds // 60)
    if seconds < 86400:
        return T.ago_hours(seconds // 3600)
    return T.ago_days(seconds // 86400)


def local_time(when: datetime | None, tz: str = "Europe/Paris") -> str:
    if when is None:
        return "—"
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")
