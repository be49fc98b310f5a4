"""Names, never codes: what the console shows for themes, places, offers, operators, statuses. The names themselves
come from the one source, :mod:`bot.staff.names` (as in the Telegram group and the dashboard); this adds what a web
page needs: « — » for a missing value, and the département's own EPCI and communes for the filters."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from bot.staff import names as _names
from bot.texts import console as T

DASH = "—"


class Labels:
    """Built once per app; every lookup falls back to the raw value (never raises)."""

    def __init__(self, kb: Any, departement: str = "90", names: _names.Names | None = None) -> None:
        self.kb = kb
        self.names = names or _names.current()
        self.epcis: dict[str, str] = {}  # the département's EPCI and communes (code -> name), for the filters
        self.communes: dict[str, str] = {}
        try:
            self.epcis = {p.code: self.names.epci(p.code) for p in kb.territory.epcis_of(departement)}
            self.communes = {p.code: self.names.commune(p.code) for p in kb.territory.communes_of(departement)}
        except Exception:  # noqa: BLE001 - a partial KB (tests) still gives pages, with codes where names are missing
            pass

    @property
    def themes(self) -> Mapping[str, str]:
        return self.names.themes

    def theme(self, key: str) -> str:
        return self.names.theme(key)

    def offer(self, key: str) -> str:
        return self.names.offer(key)

    def epci(self, code: str | None) -> str:
        return self.names.epci(code) or DASH

    def commune(self, code: str | None, name: str | None = None) -> str:
        if name:
            return name
        if not code:
            return T.UNKNOWN_COMMUNE
        return self.names.commune(code)

    def operator(self, key: str | None) -> str:
        return self.names.operator(key) or DASH

    def status(self, key: str) -> str:
        return self.names.status(key)

    def route_status(self, key: str) -> str:
        return self.names.route_status(key)

    def role(self, key: str | None) -> str:
        return self.names.role(key) or DASH

    def stage(self, key: str | None) -> str:
        return self.names.stage(key) or DASH

    def help_kind(self, key: str) -> str:
        return self.names.help_kind(key)


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


def due_date(created_at: datetime, working_days: int, departement: str | None = None) -> datetime:
    """The guichet's commitment for a request: ``working_days`` working days after it was filed (issue 26: shown on
    the request's page; the « en retard » view uses the same rule, :func:`bot.store.workdays.late_cutoff`)."""
    from datetime import timedelta

    from bot.store.workdays import is_working_day

    day, left = created_at, max(0, working_days)
    while left:
        day += timedelta(days=1)
        if is_working_day(day, departement):
            left -= 1
    return day
