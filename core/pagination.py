"""Keyset pagination on a unique, indexed ordering: no OFFSET, no COUNT(*), one query a page.

An ordering is ``"-id"``, ``"id"``, ``"<field>"`` or ``"-<field>"`` for a non-null date-time field,
ties broken by id in the same direction. The cursor is an opaque string holding the last row's key;
a malformed or out-of-range cursor means the first page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Field, Func, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan

from core.inputs import parse_datetime

MAX_CURSOR_LENGTH = 100


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None
    has_more: bool


def _row(*values) -> Func:
    return Func(*values, function="ROW", output_field=Field())


def _field(ordering: str) -> str:
    return ordering.removeprefix("-")


def _key(row, ordering: str) -> str:
    if _field(ordering) == "id":
        return str(row.id)
    value = getattr(row, _field(ordering))
    return f"{value.isoformat()}|{row.id}"


def _parse_id(text: str) -> int | None:
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _after(ordering: str, cursor: str):
    """The condition "after the cursor's row" in ``ordering``, or None for a malformed cursor."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        return None
    descending, field = ordering.startswith("-"), _field(ordering)
    if field == "id":
        pk = _parse_id(cursor)
        if pk is None:
            return None
        return LessThan(F("id"), pk) if descending else GreaterThan(F("id"), pk)
    raw_value, _bar, raw_id = cursor.rpartition("|")
    pk = _parse_id(raw_id)
    try:
        value: dt.datetime = parse_datetime(raw_value)
    except ValidationError:
        return None
    if pk is None:
        return None
    # A row comparison, not "a > x OR (a = x AND id > n)": PostgreSQL starts the index scan at the
    # cursor instead of reading every earlier row.
    compare = LessThan if descending else GreaterThan
    return compare(_row(F(field), F("id")), _row(Value(value), Value(pk)))


def keyset_page(
    qs: QuerySet,
    *,
    cursor: str | None,
    ordering: str = "-id",
    size: int = 25,
    rows: Callable[[QuerySet], QuerySet] | None = None,
) -> KeysetPage:
    """One page of ``qs`` after ``cursor``.

    With ``rows``, the page is read in two steps: the keys of the page from ``qs`` alone (one index
    scan that stops after the page), then ``rows(<the model's rows with those keys>)``, where the
    caller adds its joins and prefetches. Joined into the keyset scan, related tables can make the
    planner read and sort every row after the cursor instead.
    """
    condition = _after(ordering, cursor) if cursor else None
    if condition is not None:
        qs = qs.filter(condition)
    descending = ordering.startswith("-")
    order = [ordering] if _field(ordering) == "id" else [ordering, "-id" if descending else "id"]
    if rows is None:
        items = list(qs.order_by(*order)[: size + 1])
    else:
        keys = list(qs.order_by(*order).values_list("id", flat=True)[: size + 1])
        found = {item.pk: item for item in rows(qs.model._default_manager.filter(pk__in=keys))}
        items = [found[pk] for pk in keys if pk in found]
    has_more = len(items) > size
    items = items[:size]
    return KeysetPage(items=items, next_cursor=_key(items[-1], ordering) if has_more else None, has_more=has_more)
