"""One INSERT statement for a new row and the rows that hang on it.

A new petition comes with its first deadline, its timeline entries and its outbox row. Saved one by
one they are four round trips, each through the ORM's save path and each prefixed with pghistory's
context; written as data-modifying ``WITH`` clauses of one statement they are one round trip, and
that statement is atomic on its own, so outside a caller's transaction it needs no BEGIN or COMMIT.

Each INSERT is compiled by the ORM (its fields, defaults and value preparation, as ``save()`` and
``bulk_create`` do); only the ``WITH`` around them is written here.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Model
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery

_NEW = '"new_row"'
# The new row's id, for use inside the other rows' values (say, in a JSON payload naming it).
NEW_ID = RawSQL(f'(SELECT "id" FROM {_NEW})', ())  # noqa: S611, S608 (a constant)


def insert_together(row: Model, *groups: Sequence[Model]) -> None:
    """INSERT ``row`` and each group of rows (all of one model per group) in one statement.

    A group's foreign key to ``row`` built before it had an id (``Event(petition=row)``) takes the
    new id; ``NEW_ID`` stands for it elsewhere. Afterwards every row has its id, as ``save()`` and
    ``bulk_create`` would leave it, the groups' rows in the order given.
    """
    if any(not group or any(type(obj) is not type(group[0]) for obj in group) for group in groups):
        raise TypeError("each group holds one or more rows of one model")
    using = router.db_for_write(type(row))
    connection = connections[using]
    parts, params = [], []
    sql, values = _insert_sql(row, [row], using)
    parts.append(f"{_NEW} AS ({sql})")
    params.extend(values)
    linked = []  # (obj, field) whose value is the new id
    for number, group in enumerate(groups):
        for obj in group:
            for field in obj._meta.concrete_fields:
                if field.is_relation and field.is_cached(obj) and field.get_cached_value(obj) is row:
                    obj.__dict__[field.attname] = NEW_ID  # keeps the cached instance
                    linked.append((obj, field))
        sql, values = _insert_sql(group[0], group, using)
        parts.append(f'"group_{number}" AS ({sql})')
        params.extend(values)
    # Names from the models and the clauses above; every value is a parameter.
    returned = [
        f'ARRAY(SELECT "{group[0]._meta.pk.column}" FROM "group_{n}" ORDER BY 1)'  # noqa: S608
        for n, group in enumerate(groups)
    ]
    columns = [connection.ops.quote_name(f.column) for f in row._meta.db_returning_fields]
    statement = f"WITH {', '.join(parts)} SELECT {', '.join(columns + returned)} FROM {_NEW}"  # noqa: S608
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            result = cursor.fetchone()
    finally:
        for obj, field in linked:  # the new id, or none again if nothing was written
            obj.__dict__[field.attname] = row.pk
    for field, value in zip(row._meta.db_returning_fields, result[: len(columns)], strict=True):
        setattr(row, field.attname, value)
    row._state.adding, row._state.db = False, using
    for obj, field in linked:
        obj.__dict__[field.attname] = row.pk
    for group, ids in zip(groups, result[len(columns) :], strict=True):
        # Ids come from the sequence in the order the rows were given, as bulk_create relies on.
        for obj, obj_id in zip(group, ids, strict=True):
            setattr(obj, obj._meta.pk.attname, obj_id)
            obj._state.adding, obj._state.db = False, using


def _insert_sql(first: Model, objs: Sequence[Model], using: str) -> tuple[str, tuple]:
    """The INSERT ``save()`` would send for ``objs`` (every non-generated field but the auto id),
    returning the ids."""
    meta = first._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    query = InsertQuery(type(first))
    query.insert_values(fields, objs)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = meta.db_returning_fields
    [(sql, params)] = compiler.as_sql()
    return sql, params
