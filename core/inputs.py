"""The one parser of dates, times and offsets that come from outside (query strings, forms, cursors,
Open311 parameters).

Python and PostgreSQL accept different ranges: Python's ``date`` stops at 9999-12-31 (one day more
overflows), and PostgreSQL refuses a UTC offset beyond ±15:59 that Python takes. Every date and time
a request brings is therefore checked against one range and one offset limit here, and refused with
a translated message, before it reaches arithmetic or a query.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Wide enough for any real query ("since 1990"), far from the edges where arithmetic overflows.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2199, 12, 31)
# The widest offsets any time zone uses (UTC−12:00 … UTC+14:00).
MAX_OFFSET = dt.timedelta(hours=14)

OUT_OF_RANGE = _("Enter a date between %(min)s and %(max)s.")
BAD_OFFSET = _("The time zone offset must lie between −12:00 and +14:00.")
BAD_DATETIME = _("Enter a date and time in ISO 8601, such as 2026-12-07T09:30:00+08:00.")


def check_date(value: dt.date) -> dt.date:
    """``value`` if it lies between ``MIN_DATE`` and ``MAX_DATE``; otherwise ``ValidationError``."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValidationError(OUT_OF_RANGE, code="date_range", params={"min": MIN_DATE, "max": MAX_DATE})
    return value


def check_datetime(value: dt.datetime) -> dt.datetime:
    """An aware ``value`` within the date range and the offset limit (a naive one is taken in the
    portal's time zone); otherwise ``ValidationError``."""
    offset = value.utcoffset()
    if offset is not None and not -dt.timedelta(hours=12) <= offset <= MAX_OFFSET:
        raise ValidationError(BAD_OFFSET, code="offset")
    check_date(value)
    return value if offset is not None else timezone.make_aware(value)


def parse_datetime(text: str) -> dt.datetime:
    """An ISO 8601 date and time from outside, checked by ``check_datetime``."""
    if not isinstance(text, str) or len(text) > 64:
        raise ValidationError(BAD_DATETIME, code="invalid")
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(BAD_DATETIME, code="invalid") from None
    return check_datetime(value)


class BoundedDateField(forms.DateField):
    """A form date within ``MIN_DATE``…``MAX_DATE``."""

    def to_python(self, value):
        value = super().to_python(value)
        return None if value is None else check_date(value)


class BoundedDateTimeField(forms.DateTimeField):
    """A form date and time within the range and the offset limit."""

    def to_python(self, value):
        value = super().to_python(value)
        return None if value is None else check_datetime(value)
