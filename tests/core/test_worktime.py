"""Working time on the real Chinese calendar, seeded with ``calendar_seed``.

The weeks used, as published by the State Council (and in ``chinese_calendar``):

National Day 2025 — Sep 2025:  Sa27 off, Su28 WORK, Mo29, Tu30 work
                    Oct 2025:  We1 … We8 holiday, Th9, Fr10 work, Sa11 WORK, Su12 off, Mo13 …
Spring Festival 2026 — Feb 2026: Fr13 work, Sa14 WORK, Su15 … Mo23 holiday, Tu24 … Fr27 work,
                                 Sa28 WORK, Su Mar 1 off, Mo Mar 2 …

Office hours 08:30–12:00 and 13:30–17:30, so a working day is 3.5 h + 4 h = 7.5 h. Every expected
value below is counted by hand from these tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.models import WorkingDay
from core.services import calendar_seed
from core.worktime import (
    add_working_time,
    add_working_times,
    is_working_day,
    working_day_seconds,
    working_time_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = dt.timedelta(hours=1)


def at(text: str) -> dt.datetime:
    """An aware moment on the Shanghai wall clock, e.g. ``at("2025-10-09 11:30")``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def calendar(db) -> int:
    return calendar_seed(first_year=2025, last_year=2026)


def test_working_day_is_seven_and_a_half_hours():
    assert working_day_seconds() == 7.5 * 3600


@pytest.mark.django_db
def test_seed_marks_holidays_and_swapped_working_days():
    with translation.override("en"):  # notes are written in the language active while seeding
        assert calendar_seed(first_year=2025, last_year=2026) == 365 + 365
    assert WorkingDay.objects.count() == 730
    rows = {d.date: d for d in WorkingDay.objects.filter(date__range=("2025-09-27", "2026-03-01"))}
    expected = {
        dt.date(2025, 9, 27): (False, ""),  # an ordinary Saturday
        dt.date(2025, 9, 28): (True, "Swapped working day"),
        dt.date(2025, 9, 29): (True, ""),
        dt.date(2025, 10, 1): (False, "National Day"),
        dt.date(2025, 10, 8): (False, "National Day"),
        dt.date(2025, 10, 9): (True, ""),
        dt.date(2025, 10, 11): (True, "Swapped working day"),
        dt.date(2026, 2, 14): (True, "Swapped working day"),
        dt.date(2026, 2, 15): (False, "Spring Festival"),
        dt.date(2026, 2, 23): (False, "Spring Festival"),
        dt.date(2026, 2, 24): (True, ""),
        dt.date(2026, 2, 28): (True, "Swapped working day"),
        dt.date(2026, 3, 1): (False, ""),
    }
    assert {day: (rows[day].is_working, rows[day].note) for day in expected} == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2025, 9, 27), False),
        (dt.date(2025, 9, 28), True),  # Sunday, swapped
        (dt.date(2025, 10, 3), False),  # Friday, holiday
        (dt.date(2025, 10, 11), True),  # Saturday, swapped
        (dt.date(2026, 2, 14), True),  # Saturday, swapped
        (dt.date(2026, 2, 16), False),  # Monday, holiday
        (dt.date(2026, 2, 28), True),  # Saturday, swapped
    ],
)
def test_is_working_day_follows_the_calendar(calendar, day, working):
    assert is_working_day(day) is working


@pytest.mark.django_db
def test_one_hour_at_1130_skips_lunch(calendar):
    # 11:30–12:00 uses 0.5 h, the other 0.5 h runs from 13:30: 14:00.
    assert add_working_time(at("2025-10-09 11:30"), hours=1) == at("2025-10-09 14:00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Friday 16:00–17:30 is 1.5 h; the other 6 h on the next working day: 08:30–12:00 (3.5 h)
        # and 13:30 + 2.5 h = 16:00 — the same clock time, one working day later.
        ("2025-11-14 16:00", "2025-11-17 16:00"),  # ordinary week: Monday
        ("2025-10-10 16:00", "2025-10-11 16:00"),  # after National Day: swapped Saturday 11 Oct
        ("2026-02-13 16:00", "2026-02-14 16:00"),  # before Spring Festival: swapped Saturday 14 Feb
        ("2026-02-27 16:00", "2026-02-28 16:00"),  # after Spring Festival: swapped Saturday 28 Feb
        ("2025-09-30 16:00", "2025-10-09 16:00"),  # eve of National Day: Oct 1–8 are skipped
    ],
)
def test_one_working_day_from_friday_afternoon(calendar, start, expected):
    assert add_working_time(at(start), days=1) == at(expected)


@pytest.mark.django_db
def test_half_a_working_day_as_decimal(calendar):
    # 3.75 h from 08:30: 08:30–12:00 (3.5 h), then 13:30 + 0.25 h = 13:45.
    assert add_working_time(at("2025-11-12 08:30"), days=Decimal("0.5")) == at("2025-11-12 13:45")


@pytest.mark.django_db
def test_spring_festival_is_skipped_and_swapped_saturday_counts(calendar):
    # Three working days (22.5 h) from Fri 13 Feb 10:00: the 13th gives 2 h + 4 h = 6 h, Sat 14
    # (swapped) 7.5 h, 15–23 Feb are holiday, Tue 24 7.5 h: 21 h so far; 1.5 h on Wed 25 from
    # 08:30 = 10:00.
    assert add_working_time(at("2026-02-13 10:00"), days=3) == at("2026-02-25 10:00")
    # Two working days from Thu 26 Feb 09:00: Fri 27, then Sat 28 (swapped), not Mon 2 Mar.
    assert add_working_time(at("2026-02-26 09:00"), days=2) == at("2026-02-28 09:00")
    # Swapped Saturday 17:00 + 1 h: 0.5 h until 17:30, the rest after the holiday, on Tue 24.
    assert add_working_time(at("2026-02-14 17:00"), hours=1) == at("2026-02-24 09:00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2025-11-12 19:00", "2025-11-13 09:30"),  # Wednesday evening: from Thursday 08:30
        ("2025-11-12 07:00", "2025-11-12 09:30"),  # before the office opens: from 08:30
        ("2025-11-12 12:30", "2025-11-12 14:30"),  # lunch break: from 13:30
        ("2025-11-12 17:30", "2025-11-13 09:30"),  # exactly at closing: from next morning
        ("2025-11-15 10:00", "2025-11-17 09:30"),  # Saturday: from Monday 08:30
        ("2025-10-03 10:00", "2025-10-09 09:30"),  # National Day holiday: from Thursday 9 Oct
        ("2025-09-27 10:00", "2025-09-28 09:30"),  # ordinary Saturday before the swapped Sunday
        ("2026-02-16 10:00", "2026-02-24 09:30"),  # Spring Festival holiday: from Tue 24 Feb
    ],
)
def test_start_outside_office_hours_begins_at_next_interval(calendar, start, expected):
    assert add_working_time(at(start), hours=1) == at(expected)


@pytest.mark.django_db
def test_ten_and_thirty_working_days_across_national_day(calendar):
    # Working days after Thu 25 Sep: Fr26 (1), Su28 (2, swapped), Mo29 (3), Tu30 (4), [Oct 1–8
    # holiday], Th9 (5), Fr10 (6), Sa11 (7, swapped), Mo13 (8), Tu14 (9), We15 (10),
    # Th16 (11), Fr17 (12), 20–24 Oct (13–17), 27–31 Oct (18–22), 3–7 Nov (23–27),
    # Mo10 (28), Tu11 (29), We12 Nov (30). The start is inside office hours, so the clock time stays.
    start = at("2025-09-25 10:00")
    assert add_working_time(start, days=10) == at("2025-10-15 10:00")
    assert add_working_time(start, days=30) == at("2025-11-12 10:00")


@pytest.mark.django_db
def test_working_time_between_across_holidays(calendar):
    # Tue 30 Sep 16:00–17:30 (1.5 h) + Thu 9 Oct 08:30–09:00 (0.5 h); Oct 1–8 count nothing.
    assert working_time_between(at("2025-09-30 16:00"), at("2025-10-09 09:00")) == 2 * HOUR
    # Fri 13 Feb 10:00 to Wed 25 Feb 10:00: three working days (13→14, 14→24, 24→25) = 22.5 h.
    assert working_time_between(at("2026-02-13 10:00"), at("2026-02-25 10:00")) == 22.5 * HOUR
    # Wholly inside the Spring Festival holiday: nothing.
    assert working_time_between(at("2026-02-15 08:00"), at("2026-02-23 20:00")) == dt.timedelta(0)
    # An end before the start: nothing.
    assert working_time_between(at("2025-10-09 10:00"), at("2025-10-09 09:00")) == dt.timedelta(0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start",
    [
        "2025-09-26 11:15",  # Friday before the swapped Sunday
        "2025-09-30 16:00",  # eve of National Day
        "2025-10-04 09:00",  # inside National Day
        "2026-02-12 13:00",  # lunch break, two days before Spring Festival
        "2026-02-14 20:00",  # evening of the swapped Saturday
        "2026-02-20 10:00",  # inside Spring Festival
    ],
)
@pytest.mark.parametrize("amount", [0.5 * HOUR, 3 * HOUR, 7.5 * HOUR, 4 * 7.5 * HOUR, 11 * 7.5 * HOUR + 2 * HOUR])
def test_working_time_between_undoes_add_working_time(calendar, start, amount):
    hours = amount / HOUR
    assert working_time_between(at(start), add_working_time(at(start), hours=hours)) == amount


@pytest.mark.django_db
def test_several_amounts_at_once_are_each_amount_alone_from_one_calendar_read(calendar):
    """``add_working_times`` (a deadline's due and warning times together) walks the calendar
    once and answers, for each amount, what ``add_working_time`` answers for it alone."""
    amounts = [
        (Decimal("7.5"), 0),
        (Decimal("6.0"), 0),
        (0, 10),
        (0, Decimal("8.0")),
        (1, 1),
        (0, 0),
        (Decimal("7.5"), 0),
    ]
    for start in ("2025-09-30 16:00", "2025-11-12 12:30", "2026-02-13 10:00", "2025-11-15 10:00"):
        with CaptureQueriesContext(connection) as queries:
            together = add_working_times(at(start), amounts)
        assert len(queries) == 1
        assert together == [add_working_time(at(start), hours=h, days=d) for h, d in amounts]
    assert add_working_times(at("2025-11-12 10:00"), []) == []
    with pytest.raises(ValueError):
        add_working_times(at("2025-11-12 10:00"), [(1, 0), (-1, 0)])


@pytest.mark.django_db
def test_admin_edit_moves_a_deadline(calendar):
    friday = at("2025-11-14 16:00")
    assert add_working_time(friday, days=1) == at("2025-11-17 16:00")
    # An admin closes the offices on Monday 17 Nov: one working day from Friday is now Tuesday.
    WorkingDay.objects.filter(date=dt.date(2025, 11, 17)).update(is_working=False, note="closed")
    assert add_working_time(friday, days=1) == at("2025-11-18 16:00")
    # …and opens them on Saturday 15 Nov: Saturday, same clock time.
    WorkingDay.objects.filter(date=dt.date(2025, 11, 15)).update(is_working=True, note="open")
    assert add_working_time(friday, days=1) == at("2025-11-15 16:00")
    assert is_working_day(dt.date(2025, 11, 15)) is True
    assert is_working_day(dt.date(2025, 11, 17)) is False


@pytest.mark.django_db
def test_results_are_aware_and_in_shanghai(calendar):
    # 02:00 UTC is 10:00 in Shanghai; + 1 h = 11:00 Shanghai = 03:00 UTC.
    result = add_working_time(dt.datetime(2025, 11, 12, 2, 0, tzinfo=dt.UTC), hours=1)
    assert result == dt.datetime(2025, 11, 12, 3, 0, tzinfo=dt.UTC)
    assert result.tzinfo is not None and str(result.tzinfo) == "Asia/Shanghai"
    assert (result.hour, result.minute) == (11, 0)
    # Friday 20:00 UTC is already Saturday 04:00 in Shanghai: the next interval is Monday 08:30.
    assert add_working_time(dt.datetime(2025, 11, 14, 20, 0, tzinfo=dt.UTC), hours=1) == at("2025-11-17 09:30")
    # Zero adds nothing but still answers in Shanghai time.
    zero = add_working_time(dt.datetime(2025, 11, 12, 2, 0, tzinfo=dt.UTC))
    assert str(zero.tzinfo) == "Asia/Shanghai" and zero == at("2025-11-12 10:00")


@pytest.mark.django_db
def test_naive_input_raises():
    naive = dt.datetime(2025, 11, 12, 10, 0)
    with pytest.raises(ValueError):
        add_working_time(naive, hours=1)
    with pytest.raises(ValueError):
        working_time_between(naive, at("2025-11-13 10:00"))
    with pytest.raises(ValueError):
        working_time_between(at("2025-11-11 10:00"), naive)


@pytest.mark.django_db
def test_negative_amount_raises(calendar):
    with pytest.raises(ValueError):
        add_working_time(at("2025-11-12 10:00"), hours=-1)


@pytest.mark.django_db
def test_dates_missing_from_the_table_count_monday_to_friday(calendar):
    # 2030 is not in the table: Mon 31 Dec 2029 + 1 day is Tue 1 Jan 2030 (no New Year's Day),
    # and Fri 4 Jan + 1 day skips only the weekend.
    assert not WorkingDay.objects.filter(date__year__gte=2029).exists()
    assert add_working_time(at("2029-12-31 16:00"), days=1) == at("2030-01-01 16:00")
    assert add_working_time(at("2030-01-04 16:00"), days=1) == at("2030-01-07 16:00")
    assert is_working_day(dt.date(2030, 1, 1)) is True
    assert is_working_day(dt.date(2030, 1, 5)) is False
    # Same for a seeded range with a hole: remove the National Day rows and 1 Oct 2025 (a
    # Wednesday) counts as working again.
    WorkingDay.objects.filter(date__range=("2025-10-01", "2025-10-08")).delete()
    assert add_working_time(at("2025-09-30 16:00"), days=1) == at("2025-10-01 16:00")


@pytest.mark.django_db
def test_calendar_seed_is_idempotent_and_keeps_admin_edits(calendar):
    assert calendar_seed(first_year=2025, last_year=2026) == 0
    WorkingDay.objects.filter(date=dt.date(2025, 10, 1)).update(is_working=True, note="duty day")
    # Re-running over a wider range adds 2024 (a leap year) and leaves the edited day alone.
    assert calendar_seed(first_year=2024, last_year=2026) == 366
    edited = WorkingDay.objects.get(date=dt.date(2025, 10, 1))
    assert (edited.is_working, edited.note) == (True, "duty day")
    assert WorkingDay.objects.count() == 366 + 730


@pytest.mark.django_db
def test_calendar_seed_is_audited_with_its_action(calendar):
    day = WorkingDay.objects.get(date=dt.date(2026, 2, 14))
    events = list(day.events.select_related("pgh_context"))
    assert [(e.pgh_label, e.pgh_context.metadata.get("action")) for e in events] == [("insert", "calendar_seed")]
    calendar_seed(first_year=2026, last_year=2026)  # nothing new: no further event
    assert day.events.count() == 1


@pytest.mark.django_db
def test_calendar_seed_skips_years_without_official_data():
    # chinese_calendar covers 2004 onwards up to the latest published year; 2099 is not published.
    assert calendar_seed(first_year=2099, last_year=2099) == 0
    assert not WorkingDay.objects.exists()
    with pytest.raises(ValueError):
        calendar_seed(first_year=2026, last_year=2025)


@pytest.mark.django_db
def test_seed_calendar_command():
    out = StringIO()
    with translation.override("en"):
        call_command("seed_calendar", "--from", "2025", "--to", "2025", stdout=out)
        assert "365 days added" in out.getvalue()
        call_command("seed_calendar", "--from", "2025", "--to", "2025", stdout=out)
        assert "0 days added" in out.getvalue()
    assert WorkingDay.objects.count() == 365
    assert WorkingDay.objects.get(date=dt.date(2025, 10, 11)).is_working is True
    with pytest.raises(CommandError):
        call_command("seed_calendar", "--from", "2026", "--to", "2025")


@pytest.mark.django_db
def test_seed_calendar_command_defaults_from_2024():
    call_command("seed_calendar", stdout=StringIO())
    assert WorkingDay.objects.filter(date__year=2024).count() == 366
    assert WorkingDay.objects.get(date=dt.date(2024, 2, 4)).is_working is True  # swapped Sunday


def test_seed_calendar_help_renders():
    # argparse cannot format a lazy proxy; the help must render as text.
    from core.management.commands.seed_calendar import Command

    with translation.override("en"):
        text = Command().create_parser("manage.py", "seed_calendar").format_help()
    assert "swapped working days" in text and "--from YEAR" in text and "--to YEAR" in text
