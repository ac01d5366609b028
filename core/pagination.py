"""Keyset pagination on a unique, indexed ordering: no OFFSET, no COUNT(*), one query a page.

An ordering is ``"-id"``, ``"id"``, or ``"<field>"`` (ascending, ties broken by id) for a non-null
field. The cursor is an opaque string holding the last row's key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Field, Func, Q, QuerySet, Value
from django.db.models.lookups import GreaterThan


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None
    has_more: bool


def _key(row, ordering: str) -> str:
    if ordering in ("-id", "id"):
        return str(row.id)
    value = getattr(row, ordering)
    return f"{value.isoformat() if hasattr(value, 'isoformat') else value}|{row.id}"


def _row(*values) -> Func:
    return Func(*values, function="ROW", output_field=Field())


def _after(ordering: str, cursor: str) -> Q | GreaterThan | None:
    try:
        if ordering == "-id":
            return Q(id__lt=int(cursor))
        if ordering == "id":
            return Q(id__gt=int(cursor))
        raw_value, raw_id = cursor.rsplit("|", 1)
        value = dt.datetime.fromisoformat(raw_value)
        # A row comparison, not "a > x OR (a = x AND id > n)": PostgreSQL starts the index scan at
        # the cursor instead of reading every earlier row of the subtree.
        return GreaterThan(_row(F(ordering), F("id")), _row(Value(value), Value(int(raw_id))))
    except (TypeError, ValueError):
        return None  # a malformed cursor means the first page


def keyset_page(qs: QuerySet, *, cursor: str | None, ordering: str = "-id", size: int = 25) -> KeysetPage:
    condition = _after(ordering, cursor) if cursor else None
    if condition is not None:
        qs = qs.filter(condition)
    order = [ordering] if ordering in ("-id", "id") else [ordering, "id"]
    rows = list(qs.order_by(*order)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(items=rows, next_cursor=_key(rows[-1], ordering) if has_more else None, has_more=has_more)
