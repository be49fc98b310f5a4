"""Working days leave out French public holidays (and Alsace-Moselle's two more where the deployment is there)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from bot.store import workdays as W

UTC = timezone.utc


@pytest.fixture(autouse=True)
def _unconfigured():
    before = W.configured_departement()
    W.configure(None)
    yield
    W.configure(before)


def test_easter_by_the_gregorian_algorithm() -> None:
    assert W.easter(2026) == date(2026, 4, 5)
    assert W.easter(2027) == date(2027, 3, 28)
    assert W.easter(2024) == date(2024, 3, 31) and W.easter(2000) == date(2000, 4, 23)
    assert W.easter(2038) == date(2038, 4, 25)  # the latest possible date


def test_holidays_of_2026() -> None:
    assert sorted(W.public_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8), date(2026, 5, 14),
        date(2026, 5, 25), date(2026, 7, 14), date(2026, 8, 15), date(2026, 11, 1), date(2026, 11, 11),
        date(2026, 12, 25)]
    assert date(2027, 5, 6) in W.public_holidays(2027)  # Ascension 2027: Easter + 39 days
    assert date(2027, 5, 17) in W.public_holidays(2027)  # Whit Monday 2027


def test_alsace_moselle_adds_good_friday_and_st_stephen_but_not_belfort() -> None:
    extra = {date(2026, 4, 3), date(2026, 12, 26)}
    for dep in ("57", "67", "68"):
        assert W.public_holidays(2026, dep) - W.public_holidays(2026) == extra
    for dep in ("90", "25", "2A", ""):
        assert W.public_holidays(2026, dep) == W.public_holidays(2026)


def test_working_days_skip_holidays() -> None:
    thu, fri_holiday, mon = date(2026, 4, 30), date(2026, 5, 1), date(2026, 5, 4)
    assert not W.is_working_day(fri_holiday) and W.is_working_day(mon)
    assert W.working_days_between(thu, mon) == 1  # Friday 1 May is a holiday: only Monday counts
    assert W.working_day_index(fri_holiday) == W.working_day_index(date(2026, 5, 2)) == W.working_day_index(mon)
    assert W.working_days_between(fri_holiday, mon) == 0  # filed on the holiday: counts from Monday
    assert W.working_days_between(mon, date(2026, 5, 11)) == 4  # Friday 8 May
    assert W.working_days_between(date(2026, 5, 13), date(2026, 5, 15)) == 1  # Ascension, Thursday 14 May
    assert W.working_days_between(date(2026, 4, 3), date(2026, 4, 7)) == 1  # Easter Monday, 6 April
    assert W.working_days_between(date(2026, 7, 13), date(2026, 7, 15)) == 1  # 14 July, a Tuesday
    # a whole year: 261 weekdays in 2026, 9 holidays on a weekday (15 August and 1 November are at a weekend)
    assert W.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 9
    # datetimes count by their UTC date
    assert W.working_days_between(datetime(2026, 4, 30, 23, 30, tzinfo=UTC), datetime(2026, 5, 4, 0, 5, tzinfo=UTC)) == 1


def test_across_the_new_year_and_in_alsace_moselle() -> None:
    # Wednesday 24 December 2025 to Monday 29: Christmas (Thursday); 26 December (Friday) in Alsace-Moselle only
    assert W.working_days_between(date(2025, 12, 24), date(2025, 12, 29)) == 2
    assert W.working_days_between(date(2025, 12, 24), date(2025, 12, 29), "67") == 1
    assert W.working_days_between(date(2025, 12, 24), date(2025, 12, 29), "90") == 2
    # Thursday 31 December 2026 to Monday 4 January 2027: New Year's Day is a Friday
    assert W.working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1
    # Good Friday 2027 (26 March) in Moselle; Easter Monday 29 March everywhere
    assert W.working_days_between(date(2027, 3, 25), date(2027, 3, 30)) == 2
    assert W.working_days_between(date(2027, 3, 25), date(2027, 3, 30), "57") == 1


def test_the_configured_departement_applies_by_default() -> None:
    good_friday = (date(2026, 4, 2), date(2026, 4, 7))
    assert W.working_days_between(*good_friday) == 2
    W.configure("68")
    assert W.working_days_between(*good_friday) == 1 and not W.is_working_day(date(2026, 4, 3))
    assert W.working_days_between(*good_friday, departement="90") == 2


def test_late_cutoff_counts_holidays_out() -> None:
    # Monday 11 May 2026, 5 working days: 7, 6, 5, 4 May and 30 April (1 and 8 May are holidays). Filed on
    # 29 April: late; filed on 30 April: not yet (without the holidays, the cutoff would be Saturday 2 May).
    assert W.late_cutoff(datetime(2026, 5, 11, 12, tzinfo=UTC), 5) == datetime(2026, 4, 30, tzinfo=UTC)
    assert W.late_cutoff(datetime(2026, 3, 16, 12, tzinfo=UTC), 5) == datetime(2026, 3, 7, tzinfo=UTC)  # no holiday
    # 0 days: anything filed before today's working day; Friday 8 May (holiday) and the weekend count as Monday 11
    assert W.late_cutoff(datetime(2026, 5, 11, 12, tzinfo=UTC), 0) == datetime(2026, 5, 8, tzinfo=UTC)


def test_every_use_counts_the_same_way() -> None:
    from bot.channels.telegram import jobs
    from bot.staff import dashboard
    from bot.store import repository

    assert jobs.working_days_between is repository.working_days_between is W.working_days_between
    assert repository.working_day_index is W.working_day_index and dashboard.late_cutoff is W.late_cutoff
    # the digest: filed Thursday 30 April, seen Monday 11 May: 5 working days (1 and 8 May are holidays), not late
    request = SimpleNamespace(status="nouvelle", created_at=datetime(2026, 4, 30, 9, tzinfo=UTC))
    assert not jobs.past_commitment(request, datetime(2026, 5, 11, 9, tzinfo=UTC), 5)
    assert jobs.past_commitment(request, datetime(2026, 5, 12, 9, tzinfo=UTC), 5)
