"""Writes to the cross-cutting tables of ``core``: the working-time calendar and the log of personal-data
reveals."""

from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar
import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import PersonalDataReveal, WorkingDay

logger = logging.getLogger(__name__)

# chinese_calendar names holidays in English; listed here so makemessages picks the names up.
HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _("Anti-Fascist 70th Day"),
}
SWAPPED_WORKING_DAY = _("Swapped working day")  # 调休


def _official_year(year: int) -> list[WorkingDay]:
    """Every date of ``year`` as published by the State Council (raises NotImplementedError if absent)."""
    day, rows = dt.date(year, 1, 1), []
    while day.year == year:
        working = chinese_calendar.is_workday(day)
        _on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if working:
            note = SWAPPED_WORKING_DAY if day.weekday() >= 5 else ""
        else:
            note = HOLIDAY_NAMES.get(name, name) if name else ""
        rows.append(WorkingDay(date=day, is_working=working, note=str(note)))
        day += dt.timedelta(days=1)
    return rows


@transaction.atomic
def calendar_seed(*, first_year: int, last_year: int) -> int:
    """Fill ``WorkingDay`` for every date of ``first_year``..``last_year``; return the rows inserted.

    Working days, public holidays (noted with the holiday's name) and swapped working days (调休,
    noted as such) come from ``chinese_calendar``. Existing rows are never touched, so an admin's
    edit survives a re-run and a second run inserts nothing.

    Years ``chinese_calendar`` has no data for yet (the State Council publishes each year's
    arrangement in the preceding autumn) are skipped, not filled with Monday–Friday: a missing date
    already counts Monday–Friday in ``core.worktime``, and guessed rows would block the official
    ones once a newer ``chinese_calendar`` is installed and the seed re-run.
    """
    if first_year > last_year:
        raise ValueError("first_year must not be after last_year")
    rows: list[WorkingDay] = []
    for year in range(first_year, last_year + 1):
        try:
            rows += _official_year(year)
        except NotImplementedError:
            logger.warning("chinese_calendar has no data for %s; the year was not seeded", year)
    span = WorkingDay.objects.filter(date__year__gte=first_year, date__year__lte=last_year)
    existing = set(span.values_list("date", flat=True))
    before = len(existing)
    with pghistory.context(action="calendar_seed"):
        # ignore_conflicts: a row added concurrently since the read above is kept as it is.
        WorkingDay.objects.bulk_create([row for row in rows if row.date not in existing], ignore_conflicts=True)
    return span.count() - before


def notifications_mark_read(*, user, ids) -> int:
    """Mark these notifications of ``user`` read (others' ids are ignored); returns how many."""
    from core.models import Notification

    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(read_at=timezone.now())


def reveal_logged(*, user, obj, fields: tuple[str, ...], ip_address: str | None = None) -> PersonalDataReveal:
    """Log that ``user`` unmasked these ``fields`` of ``obj`` (the apps' reveal services call it in their
    transaction, after their own permission check)."""
    return PersonalDataReveal.objects.create(
        user=user,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        fields=",".join(fields),
        ip_address=ip_address,
    )
