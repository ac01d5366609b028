"""Working time on the Chinese calendar: the one place deadlines are computed.

A working day is a date the ``WorkingDay`` table marks as working (seeded from
``chinese-calendar``, editable in admin); dates outside the table count Monday–Friday. Working
hours on a working day are ``settings.WORKING_HOURS`` (08:30–12:00 and 13:30–17:30 by default),
so "N working days" means N times the length of a working day, counted only inside those hours:
an item filed on Friday at 16:00 with one working day to go is due on Monday at 16:00 — or on
the next working day when Monday is a holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import WorkingDay

_CHUNK_DAYS = 120
_MAX_DAYS = 366 * 5


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _office_hours() -> list[tuple[dt.time, dt.time]]:
    return [(dt.time.fromisoformat(start), dt.time.fromisoformat(end)) for start, end in settings.WORKING_HOURS]


def working_day_seconds() -> int:
    """Length of one full working day in seconds (7.5 hours by default)."""
    total = 0
    for start, end in _office_hours():
        total += (dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)).seconds
    return total


def _working_flags(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    # Plain SQL: every deadline set (each filing) reads the calendar, and building this query
    # through the ORM took twice as long as running it.
    with connection.cursor() as cursor:
        cursor.execute(_CALENDAR_SQL, [first, last])
        return dict(cursor.fetchall())


_CALENDAR_SQL = f"SELECT date, is_working FROM {WorkingDay._meta.db_table} WHERE date BETWEEN %s AND %s"  # noqa: S608


def is_working_day(day: dt.date) -> bool:
    flag = _working_flags(day, day).get(day)
    return day.weekday() < 5 if flag is None else flag


def _days(first: dt.date, step: int) -> Iterator[tuple[dt.date, bool]]:
    """Dates from ``first`` forwards (step 1) or backwards (step -1) with their working flag."""
    day = first
    for _ in range(0, _MAX_DAYS, _CHUNK_DAYS):
        last = day + dt.timedelta(days=step * (_CHUNK_DAYS - 1))
        flags = _working_flags(min(day, last), max(day, last))
        for _offset in range(_CHUNK_DAYS):
            yield day, flags.get(day, day.weekday() < 5)
            day += dt.timedelta(days=step)
    raise ValueError("working time runs past the five-year horizon of the calendar")


def _intervals(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    zone = _zone()
    return [
        (dt.datetime.combine(day, start, zone), dt.datetime.combine(day, end, zone)) for start, end in _office_hours()
    ]


def add_working_time(start: dt.datetime, *, hours: float | Decimal = 0, days: float | Decimal = 0) -> dt.datetime:
    """The moment ``hours`` working hours plus ``days`` working days after ``start``.

    ``start`` must be aware. The answer is aware, in Asia/Shanghai. Zero adds nothing.
    """
    return add_working_times(start, [(hours, days)])[0]


def add_working_times(
    start: dt.datetime, amounts: Sequence[tuple[float | Decimal, float | Decimal]]
) -> list[dt.datetime]:
    """``add_working_time`` for several ``(hours, days)`` from the same ``start``, in one walk over
    the calendar (one read of it: a deadline's due and warning times together)."""
    if timezone.is_naive(start):
        raise ValueError("add_working_time needs an aware datetime")
    wanted = [
        dt.timedelta(seconds=float(hours) * 3600 + float(days) * working_day_seconds()) for hours, days in amounts
    ]
    if any(amount < dt.timedelta(0) for amount in wanted):
        raise ValueError("working time to add must not be negative")
    moment = start.astimezone(_zone())
    pending = sorted({amount for amount in wanted if amount})
    found = {dt.timedelta(0): moment}
    elapsed = dt.timedelta(0)  # working time from ``moment`` to the start of the interval at hand
    for day, working in _days(moment.date(), 1) if pending else ():
        if not working:
            continue
        for begin, end in _intervals(day):
            if end <= moment:
                continue
            begin = max(begin, moment)
            available = end - begin
            while pending and pending[0] - elapsed <= available:
                amount = pending.pop(0)
                found[amount] = begin + (amount - elapsed)
            if not pending:
                return [found[amount] for amount in wanted]
            elapsed += available
    return [found[amount] for amount in wanted]  # nothing pending (_days raises past its horizon)


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time that elapses from ``start`` to ``end`` (zero when ``end`` is not later)."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("working_time_between needs aware datetimes")
    start, end = start.astimezone(_zone()), end.astimezone(_zone())
    total = dt.timedelta(0)
    if end <= start:
        return total
    for day, working in _days(start.date(), 1):
        if day > end.date():
            return total
        if not working:
            continue
        for begin, finish in _intervals(day):
            lo, hi = max(begin, start), min(finish, end)
            if hi > lo:
                total += hi - lo
    return total
