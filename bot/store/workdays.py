"""Working days: Monday to Friday, French public holidays (jours fériés) not counted.

The guichet's commitment (first contact within ``GUICHET_RESPONSE_DAYS`` working days), the inbox's « en retard »
view, the dashboard's working days to the first action (stored as ``request.first_action_wd``) and the digest's
flag all count with these functions: one rule everywhere.

Holidays of metropolitan France (Code du travail, L3133-1): 1 January, Easter Monday, 1 May, 8 May, Ascension
Thursday, Whit Monday, 14 July, 15 August, 1 November, 11 November, 25 December; Easter by the anonymous Gregorian
algorithm. The three départements under the local law of Alsace-Moselle (57, 67, 68) add Good Friday and 26 December
(L3134-13); the Territoire de Belfort (90) is not among them. Which ones apply is the deployment's département,
``GUICHET_DEPARTEMENT``: the composition root calls :func:`configure` at start (never at import); unconfigured, the
metropolitan holidays apply. Days are dates in UTC, as before holidays were counted.

Pure and stdlib-only: a migration may import it (``0008_working_days`` recomputes the stored values with it).
"""

from __future__ import annotations

import bisect
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

#: Départements under the local law of Alsace-Moselle (Good Friday and 26 December are holidays there).
ALSACE_MOSELLE = frozenset({"57", "67", "68"})
_MONDAY = date(1969, 12, 29)  # index 0; no holiday falls between it and 1 January 1970
_FIRST_YEAR = 1970

_departement: str | None = None


def configure(departement: str | None) -> None:
    """Use the holidays of ``departement`` (the deployment's, from the settings) from now on."""
    global _departement
    _departement = (departement or "").strip().upper() or None


def configured_departement() -> str | None:
    return _departement


def local_law(departement: str | None) -> bool:
    """True for the Alsace-Moselle départements (57, 67, 68)."""
    dep = (departement or "").strip()
    return (dep.zfill(2) if dep.isdigit() else dep) in ALSACE_MOSELLE


def easter(year: int) -> date:
    """Easter Sunday of ``year`` (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int, departement: str | None = None) -> frozenset[date]:
    """The public holidays of ``year`` (``departement`` None: the configured one)."""
    return _holidays(year, local_law(_departement if departement is None else departement))


@lru_cache(maxsize=None)
def _holidays(year: int, alsace_moselle: bool) -> frozenset[date]:
    e = easter(year)
    days = {date(year, 1, 1), e + timedelta(days=1), date(year, 5, 1), date(year, 5, 8), e + timedelta(days=39),
            e + timedelta(days=50), date(year, 7, 14), date(year, 8, 15), date(year, 11, 1), date(year, 11, 11),
            date(year, 12, 25)}
    if alsace_moselle:
        days |= {e - timedelta(days=2), date(year, 12, 26)}
    return frozenset(days)


@lru_cache(maxsize=None)
def _weekday_holidays(year: int, alsace_moselle: bool) -> tuple[date, ...]:
    """The holidays of ``year`` that fall from Monday to Friday, in order."""
    return tuple(sorted(d for d in _holidays(year, alsace_moselle) if d.weekday() < 5))


@lru_cache(maxsize=None)
def _weekday_holidays_before_year(year: int, alsace_moselle: bool) -> int:
    """Weekday holidays from 1 January 1970 to the start of ``year`` (negative before 1970)."""
    if year >= _FIRST_YEAR:
        return sum(len(_weekday_holidays(y, alsace_moselle)) for y in range(_FIRST_YEAR, year))
    return -sum(len(_weekday_holidays(y, alsace_moselle)) for y in range(year, _FIRST_YEAR))


def _as_date(day: date | datetime) -> date:
    if isinstance(day, datetime):
        return day.astimezone(timezone.utc).date() if day.tzinfo else day.date()
    return day


def is_working_day(day: date | datetime, departement: str | None = None) -> bool:
    d = _as_date(day)
    return d.weekday() < 5 and d not in public_holidays(d.year, departement)


def working_day_index(day: date | datetime, departement: str | None = None) -> int:
    """Index of a day among working days: the difference of two is the number of working days between them. A day
    off (Saturday, Sunday, public holiday) has the index of the next working day. A datetime counts by its UTC date;
    ``departement`` None: the configured one."""
    d = _as_date(day)
    alsace_moselle = local_law(_departement if departement is None else departement)
    n = (d - _MONDAY).days
    weekdays = 5 * (n // 7) + min(n % 7, 5)
    holidays = _weekday_holidays_before_year(d.year, alsace_moselle) + bisect.bisect_left(
        _weekday_holidays(d.year, alsace_moselle), d)
    return weekdays - holidays


def working_days_between(start: date | datetime, end: date | datetime, departement: str | None = None) -> int:
    """Working days from ``start``'s day to ``end``'s day (the start day not counted; 0 within a day, or from a day
    off to the next working day)."""
    return working_day_index(end, departement) - working_day_index(start, departement)


def late_cutoff(now: datetime, working_days: int, departement: str | None = None) -> datetime:
    """Midnight (UTC) of the first day whose requests are not yet past the commitment at ``now``: a request still
    waiting and filed before it has waited more than ``working_days`` working days."""
    limit = working_day_index(now, departement) - max(0, working_days)
    day = _as_date(now)  # index(now) >= limit: walk back while the day before is not yet late
    while working_day_index(day - timedelta(days=1), departement) >= limit:
        day -= timedelta(days=1)
    return datetime.combine(day, time(), timezone.utc)
