"""One INSERT statement for a new row and the rows that hang on it.

A new petition comes with its first deadline, its timeline entries and its outbox row. Saved one by
one they are four round trips, each through the ORM's save path and each prefixed with pghistory's
context; written as data-modifying ``WITH`` clauses of one statement they are one round trip, and
that statement is atomic on its own, so outside a caller's transaction it needs no BEGIN or COMMIT.

Each INSERT sends what ``save()`` would: every field's value through the field's own preparation
(defaults, ``pre_save``, ``get_db_prep_save``), an expression compiled by the ORM.
"""

from __future__ import annotations

import functools
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
    sql, values = _insert_sql([row], connection)
    parts.append(f"{_NEW} AS ({sql})")
    params.extend(values)
    linked = []  # (obj, field) whose value is the new id
    for number, group in enumerate(groups):
        for obj in group:
            for field in obj._meta.concrete_fields:
                if field.is_relation and field.is_cached(obj) and field.get_cached_value(obj) is row:
                    obj.__dict__[field.attname] = NEW_ID  # keeps the cached instance
                    linked.append((obj, field))
        sql, values = _insert_sql(group, connection)
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
    except BaseException:
        for obj, field in linked:  # nothing was written: no id to point to
            obj.__dict__[field.attname] = None
        raise
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


def _insert_sql(objs: Sequence[Model], connection) -> tuple[str, list]:
    """The INSERT ``save()`` would send for ``objs``: every non-generated field but the auto id, each
    value through the field's ``pre_save`` and ``get_db_prep_save`` (an expression compiled instead),
    returning what the database fills in.

    Written out here rather than compiled by ``InsertQuery``, whose general compiler took 1.2 ms for a
    filing's four INSERTs (this, 0.35 ms); the tests hold the rows written equal to ``save()``'s.
    """
    model = type(objs[0])
    head, fields, returning = _shape(model, connection.alias)
    compiler = None
    rows, params = [], []
    for obj in objs:
        marks = []
        for field in fields:
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                if compiler is None:
                    compiler = InsertQuery(model).get_compiler(connection=connection)
                sql, values = compiler.compile(
                    value.resolve_expression(compiler.query, allow_joins=False, for_save=True)
                )
                marks.append(sql)
                params.extend(values)
            else:
                marks.append("%s")
                params.append(field.get_db_prep_save(value, connection=connection))
        rows.append(f"({', '.join(marks)})")
    return f"{head} VALUES {', '.join(rows)} RETURNING {returning}", params


@functools.cache
def _shape(model: type[Model], alias: str) -> tuple[str, tuple, str]:
    """The INSERT's head (table and columns), its fields in that order, and its RETURNING list."""
    meta, qn = model._meta, connections[alias].ops.quote_name
    fields = tuple(f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field)
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
    return head, fields, ", ".join(qn(f.column) for f in meta.db_returning_fields)
