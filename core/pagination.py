"""Keyset pagination on a unique, indexed ordering: no OFFSET, no COUNT(*), one query a page.

An ordering is ``"-id"``, ``"id"``, or ``"<field>"`` (ascending, ties broken by id) for a non-null
field. The cursor is an opaque string holding the last row's key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
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


def keyset_page_sql(
    qs: QuerySet,
    *,
    select: str,
    row: Callable[[Sequence], object],
    cursor: str | None,
    ordering: str = "-id",
    size: int = 25,
) -> KeysetPage:
    """``keyset_page`` for a reader that writes its own SELECT list (plain values, no instances):
    the ORM builds only the WHERE clause, from ``qs``'s scope and filters and the cursor; the
    SELECT list, ORDER BY and LIMIT are SQL. Building and compiling the whole statement through the
    ORM (values_list, annotations, ordering) cost a hot list more than running it
    (docs/performance.md). ``qs`` must read one table, without DISTINCT: its filters may use
    sub-queries, never joins (a ValueError says so). ``select`` refers to the table by its name;
    ``row`` makes an item (with ``id`` and the ordering's field) of each fetched tuple."""
    condition = _after(ordering, cursor) if cursor else None
    if condition is not None:
        qs = qs.filter(condition)
    query = qs.query
    table = query.get_meta().db_table
    joined = [alias for alias, count in query.alias_refcount.items() if count and alias != table]
    if joined or query.distinct or query.combinator:
        raise ValueError(
            f"keyset_page_sql reads one table without DISTINCT; this query joins {joined or 'nothing'}"
            f"{', is DISTINCT' if query.distinct else ''}{', combines queries' if query.combinator else ''}"
        )
    connection = connections[qs.db]
    try:
        where, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:  # e.g. qs.none(): an invalid filter or no scope
        return KeysetPage(items=[], next_cursor=None, has_more=False)
    except FullResultSet:
        where, params = "TRUE", []
    qn = connection.ops.quote_name
    key = "id" if ordering in ("-id", "id") else query.get_meta().get_field(ordering).column
    order = {"-id": f"{qn(table)}.{qn('id')} DESC", "id": f"{qn(table)}.{qn('id')}"}.get(
        ordering, f"{qn(table)}.{qn(key)}, {qn(table)}.{qn('id')}"
    )
    # S608: every value is a parameter; the text is the caller's constant SELECT list, the ORM's
    # compiled WHERE and quoted names.
    sql = f"SELECT {select} FROM {qn(table)} WHERE {where or 'TRUE'} ORDER BY {order} LIMIT {int(size) + 1}"  # noqa: S608
    with connection.cursor() as db:
        db.execute(sql, params)
        rows = [row(values) for values in db.fetchall()]
    has_more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(items=rows, next_cursor=_key(rows[-1], ordering) if has_more else None, has_more=has_more)
