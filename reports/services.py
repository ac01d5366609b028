"""Writes of the reports app: the monthly rollups and the working minutes they average.

``rollup_refresh`` recomputes months of ``MonthlyRollup`` set-based: per month one transaction that
deletes the month's rows and inserts them again from one ``INSERT … SELECT`` over that month's
items (``metrics.ITEM_SQL``), expanded to every ancestor of each item's region and grouped by
``GROUPING SETS`` (totals, category, channel, unit). A transaction-level advisory lock per month
makes concurrent refreshes of one month take turns, so a second run (beat twice, or a retry)
rewrites the same rows: idempotent.

Which months: by default those with items changed since the last run — petitions whose
``updated_at`` moved (every service and the escalation sweep set it) or that got an evaluation
(``created_at``; a third-party evaluation leaves the petition alone) — both on their own index.
The watermark is the start of the last run less ``CHANGE_MARGIN``, so a transaction that commits
a little after the refresh read the data is picked up the next time. ``all_months=True`` rebuilds
everything (after bulk loads, or after backdating as the demo does).

Every statement here runs on the primary (``django.db.connection``), the reads included, even with
a read replica (``core.replica``): the months to rewrite must be read where the rollups are written
— a lagging standby would miss the latest changes while the watermark moves past them. The reports'
reads (``selectors``) are the ones the standby serves.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports.metrics import COUNTS, ITEM_SQL
from reports.models import MonthlyRollup, RollupState

logger = logging.getLogger(__name__)

WATERMARK = "rollup"
# Longer than any transaction that writes petitions: its changes may commit after a run started.
CHANGE_MARGIN = dt.timedelta(minutes=15)
_LOCK_NAMESPACE = 4_242_001  # pg_advisory_xact_lock(namespace, month as yyyymm)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_start(month: dt.date) -> dt.datetime:
    return dt.datetime.combine(month.replace(day=1), dt.time.min, tzinfo=_zone())


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


_MONTH_OF = "date_trunc('month', p.created_at AT TIME ZONE %(tz)s)::date"

# Items of one month, summed per region and key, then once per node from the root down to their own
# region (the path prefixes "a/", "a/b/", … of "a/b/c/"), joined to the node by its unique path.
_COLUMNS = ", ".join(COUNTS)
_SUMS = ", ".join(f"sum(x.{name})" for name in COUNTS)
_LEAF_SUMS = ", ".join(f"sum(i.{name}) AS {name}" for name in COUNTS)
REFRESH_SQL = f"""
WITH items AS ({ITEM_SQL.format(where="p.created_at >= %(start)s AND p.created_at < %(end)s")}),
leaves AS (
    -- first per region and key (far fewer rows than items), then up the tree
    SELECT i.region_path, i.category_id, i.channel, i.unit_id, {_LEAF_SUMS}
    FROM items i
    GROUP BY i.region_path, i.category_id, i.channel, i.unit_id
),
expanded AS (
    SELECT l.*, array_to_string((string_to_array(l.region_path, '/'))[1:d.n], '/') || '/' AS node_path
    FROM leaves l
    CROSS JOIN LATERAL generate_series(1, cardinality(string_to_array(rtrim(l.region_path, '/'), '/'))) AS d(n)
)
INSERT INTO reports_monthlyrollup (month, region_id, dim, category_id, channel, unit_id, {_COLUMNS}, refreshed_at)
SELECT %(month)s,
       r.id,
       CASE WHEN GROUPING(x.category_id) = 0 THEN 'category'
            WHEN GROUPING(x.channel) = 0 THEN 'channel'
            WHEN GROUPING(x.unit_id) = 0 THEN 'unit'
            ELSE 'all' END,
       CASE WHEN GROUPING(x.category_id) = 0 THEN x.category_id END,
       CASE WHEN GROUPING(x.channel) = 0 THEN x.channel ELSE '' END,
       CASE WHEN GROUPING(x.unit_id) = 0 THEN x.unit_id END,
       {_SUMS},
       %(now)s
FROM expanded x JOIN grids_region r ON r.path = x.node_path
GROUP BY GROUPING SETS ((r.id), (r.id, x.category_id), (r.id, x.channel), (r.id, x.unit_id))
"""  # noqa: S608 - column names only; every value is a parameter

CHANGED_MONTHS_SQL = f"""
SELECT DISTINCT {_MONTH_OF} FROM petitions_petition p WHERE p.updated_at >= %(since)s
UNION
SELECT DISTINCT {_MONTH_OF} FROM petitions_evaluation e JOIN petitions_petition p ON p.id = e.petition_id
WHERE e.created_at >= %(since)s
"""  # noqa: S608 - a fixed expression; values are parameters

ALL_MONTHS_SQL = f"""
SELECT DISTINCT {_MONTH_OF} FROM petitions_petition p
UNION
SELECT DISTINCT month FROM reports_monthlyrollup
"""  # noqa: S608 - a fixed expression; values are parameters


def _months(sql: str, **params) -> list[dt.date]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tz": settings.TIME_ZONE, **params})
        return sorted(row[0] for row in cursor.fetchall())


def changed_months(since: dt.datetime) -> list[dt.date]:
    """Months (of filing) of the items changed or evaluated since ``since``."""
    return _months(CHANGED_MONTHS_SQL, since=since)


def rollup_refresh_month(month: dt.date, *, now: dt.datetime | None = None) -> int:
    """Recompute one month's rollup rows in one transaction; returns the number of rows written."""
    month = month.replace(day=1)
    now = now or timezone.now()
    params = {
        "month": month,
        "start": month_start(month),
        "end": month_start(next_month(month)),
        "now": now,
        "tz": settings.TIME_ZONE,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::int, %s::int)", [_LOCK_NAMESPACE, month.year * 100 + month.month]
        )
        MonthlyRollup.objects.filter(month=month).delete()
        cursor.execute(REFRESH_SQL, params)
        return cursor.rowcount


def _watermark() -> dt.datetime | None:
    return RollupState.objects.filter(key=WATERMARK).values_list("value", flat=True).first()


def _advance_watermark(to: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reports_rollupstate (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = GREATEST(reports_rollupstate.value, EXCLUDED.value)",
            [WATERMARK, to],
        )


def rollup_refresh(
    *, months: list[dt.date] | None = None, all_months: bool = False, now: dt.datetime | None = None
) -> dict:
    """Bring the monthly rollups up to date.

    - ``months``: recompute exactly these months (first days or any day of them).
    - ``all_months=True``: rebuild every month that has items or rollup rows (after bulk loads).
    - neither: the months whose items changed since the last run (the first run rebuilds all).

    Each month is its own transaction. Returns ``{"months": [...], "rows": n}``.
    """
    started = now or timezone.now()
    if months is not None:
        chosen = sorted({m.replace(day=1) for m in months})
        advance = False
    else:
        mark = None if all_months else _watermark()
        chosen = _months(ALL_MONTHS_SQL) if mark is None else changed_months(mark - CHANGE_MARGIN)
        advance = True
    rows = 0
    for month in chosen:
        rows += rollup_refresh_month(month, now=started)
    if advance:
        _advance_watermark(started)
    if chosen:
        logger.info("reports: refreshed %d months (%d rollup rows)", len(chosen), rows)
    return {"months": [m.isoformat() for m in chosen], "rows": rows}


def last_refreshed() -> dt.datetime | None:
    """When the rollups were last brought up to date (the newest run's start)."""
    return _watermark()


# --- Working minutes for rows loaded in bulk ------------------------------------------------------

# The SQL twin of core.worktime.working_time_between over the WorkingDay calendar (dates it does
# not list count Monday to Friday) and settings.WORKING_HOURS, rounded to whole minutes like
# petitions.services.work_minutes.
WORK_MINUTES_SQL = """
UPDATE petitions_petition p SET work_minutes_to_reply = w.minutes
FROM (
    SELECT q.id,
           round(COALESCE(sum(GREATEST(0, extract(epoch FROM
               LEAST(q.replied_at, (d.day + h.finish) AT TIME ZONE %(tz)s)
               - GREATEST(q.created_at, (d.day + h.begin) AT TIME ZONE %(tz)s)))), 0) / 60)::int AS minutes
    FROM petitions_petition q
    CROSS JOIN LATERAL (
        SELECT g::date AS day FROM generate_series(
            (q.created_at AT TIME ZONE %(tz)s)::date::timestamp,
            GREATEST((q.replied_at AT TIME ZONE %(tz)s)::date, (q.created_at AT TIME ZONE %(tz)s)::date)::timestamp,
            interval '1 day') AS g
    ) d
    LEFT JOIN core_workingday wd ON wd.date = d.day
    CROSS JOIN (
        SELECT b::time AS begin, f::time AS finish FROM unnest(%(begins)s::text[], %(finishes)s::text[]) AS t(b, f)
    ) h
    WHERE q.replied_at IS NOT NULL AND q.work_minutes_to_reply IS NULL
      AND COALESCE(wd.is_working, extract(isodow FROM d.day) < 6)
    GROUP BY q.id
) w
WHERE w.id = p.id
"""

ZERO_MINUTES_SQL = """
UPDATE petitions_petition SET work_minutes_to_reply = 0
WHERE replied_at IS NOT NULL AND work_minutes_to_reply IS NULL
"""


@transaction.atomic
def work_minutes_fill() -> int:
    """Fill ``Petition.work_minutes_to_reply`` where a bulk load left it empty (set-based SQL).

    Replies recorded through ``petitions.services`` set it themselves; this is for seeders and
    imports. Items replied within no working time at all get 0. Returns the rows filled.
    """
    begins = [start for start, _end in settings.WORKING_HOURS]
    finishes = [end for _start, end in settings.WORKING_HOURS]
    with connection.cursor() as cursor:
        cursor.execute(WORK_MINUTES_SQL, {"tz": settings.TIME_ZONE, "begins": begins, "finishes": finishes})
        filled = cursor.rowcount
        cursor.execute(ZERO_MINUTES_SQL)
        return filled + cursor.rowcount
