"""The beat sweeps over deadlines: warnings, escalations and the monthly zero backlog (月月清零).

Everything here is set-based SQL: the deadline sweep is two statements whatever the number of open
items, each driven by a partial index (``deadline_to_warn``, ``deadline_to_breach``), and the monthly
sweep is one. Each is idempotent by compare-and-set (``warned_at IS NULL``, ``breached_at IS NULL``)
or by a unique constraint (one snapshot per month and region), so running a sweep twice, or two
sweeps at once, acts once:

- The breach statement first locks the petitions that have a due deadline, in id order and with
  ``SKIP LOCKED``: a concurrent sweep (or a person changing the item right now) holds the row, so
  this sweep leaves it to the other one or to the next run two minutes later. The lock order
  (petition, then its deadlines) is the one every service uses, so the sweep never deadlocks with them;
  the warning statement locks deadlines only, also with ``SKIP LOCKED``, so it never waits at all.
- The ``UPDATE`` of the deadlines repeats the ``breached_at IS NULL`` condition; in READ COMMITTED
  PostgreSQL re-checks it on the newest row version after waiting for a lock, so a deadline a
  concurrent sweep has just breached is skipped, and no petition climbs twice.

Side effects (timeline events, outbox rows) are inserted by the same statements, so they exist
exactly when the change does; the outbox is published after commit.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pghistory
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from core.notify import notify_users
from grids.models import Region, RoleAssignment
from grids.roles import Role
from petitions.models import OPEN_STATUSES, Event, Level, MonthlySnapshot

PETITION_TOPIC = "petition"
MONTHLY_TOPIC = "petition_monthly"

# Who hears about a region's monthly figures: the staff bound to that node of the tree.
MONTHLY_ROLE_OF_LEVEL = {1: Role.DISTRICT_STAFF, 2: Role.STREET_STAFF, 3: Role.COMMUNITY_STAFF}


def _running(alias: str) -> str:
    """A deadline still running: neither met nor paused (waiting for the resident)."""
    return f"{alias}.met_at IS NULL AND {alias}.paused_at IS NULL"


def _outbox_insert(topic_sql: str, payload_sql: str, source: str) -> str:
    """An ``INSERT INTO`` the outbox for use inside a statement's CTEs.

    The outbox rows are written by the same statement as the change (set-based, one round trip),
    and published with
    ``outbox.kick`` after commit like every other.
    """
    table = OutboxMessage._meta.db_table
    return (
        f"INSERT INTO {table} (topic, payload, created_at, attempts, last_error) "  # noqa: S608
        f"SELECT {topic_sql}, {payload_sql}, %(now)s, 0, '' FROM {source} RETURNING id"
    )


# One outbox row per petition, however many of its deadlines the statement touched.
_WARNING_MESSAGES = _outbox_insert(
    f"'{PETITION_TOPIC}'",
    "jsonb_build_object('petition', p.petition_id, 'event', 'warning', 'deadlines', p.kinds)",
    "(SELECT petition_id, jsonb_agg(kind ORDER BY kind) AS kinds FROM warned GROUP BY petition_id) AS p",
)
_ESCALATION_MESSAGES = _outbox_insert(
    f"'{PETITION_TOPIC}'",
    "jsonb_build_object('petition', c.petition_id, 'event', 'escalated', 'level', c.to_level)",
    "climbs c",
)
_MONTHLY_MESSAGES = _outbox_insert(f"'{MONTHLY_TOPIC}'", "jsonb_build_object('snapshot', i.id)", "inserted i")

WARN_SQL = f"""
WITH warned AS (
    UPDATE petitions_deadline d SET warned_at = %(now)s
    -- ARRAY(...) runs once off ``deadline_to_warn`` (its predicate and ``warn_at`` only: a condition on
    -- ``due_at`` made the planner read every running deadline through ``deadline_running``), then
    -- primary-key lookups, which re-check the whole condition
    WHERE d.id = ANY(ARRAY(
        SELECT c.id FROM petitions_deadline c
        WHERE {_running("c")} AND c.warned_at IS NULL AND c.warn_at <= %(now)s
        FOR UPDATE SKIP LOCKED
    ))
      AND {_running("d")} AND d.warned_at IS NULL AND d.warn_at <= %(now)s AND d.due_at > %(now)s
    RETURNING d.id, d.petition_id, d.kind, d.due_at
), events AS (
    INSERT INTO petitions_event
        (petition_id, kind, action, from_status, to_status, actor_id, public, text, data, created_at)
    -- What happened, as parameters; petitions.timeline puts it into each reader's words
    SELECT w.petition_id, '{Event.Kind.WARNING}', 'warn', '', '', NULL, false, '',
           jsonb_build_object('deadline', w.kind, 'due_at', w.due_at),
           %(now)s
    FROM warned w
    ORDER BY w.petition_id, w.id
    RETURNING id
), messages AS (
    {_WARNING_MESSAGES}
)
SELECT (SELECT count(*) FROM warned), (SELECT count(*) FROM events), (SELECT count(*) FROM messages)
"""  # noqa: S608 - table and column names only; every value is a parameter

BREACH_SQL = f"""
WITH due AS (
    -- ARRAY(...) runs once off the partial index, then primary-key lookups: never a scan of petitions
    SELECT p.id, p.level
    FROM petitions_petition p
    WHERE p.id = ANY(ARRAY(
        SELECT d.petition_id FROM petitions_deadline d
        WHERE {_running("d")} AND d.breached_at IS NULL AND d.due_at <= %(now)s
    ))
    ORDER BY p.id
    FOR UPDATE SKIP LOCKED
), breached AS (
    UPDATE petitions_deadline d SET breached_at = %(now)s
    FROM due
    WHERE d.petition_id = due.id AND {_running("d")} AND d.breached_at IS NULL AND d.due_at <= %(now)s
    RETURNING d.id, d.petition_id, d.kind
), climbs AS (
    SELECT b.petition_id,
           due.level AS from_level,
           GREATEST(due.level - 1, {Level.DISTRICT.value}) AS to_level,
           array_agg(b.kind ORDER BY b.kind) AS kinds
    FROM breached b JOIN due ON due.id = b.petition_id
    GROUP BY b.petition_id, due.level
), escalated AS (
    UPDATE petitions_petition p
    SET level = c.to_level, escalation_count = p.escalation_count + 1, updated_at = %(now)s
    FROM climbs c
    WHERE p.id = c.petition_id
    RETURNING p.id
), events AS (
    INSERT INTO petitions_event
        (petition_id, kind, action, from_status, to_status, actor_id, public, text, data, created_at)
    SELECT c.petition_id, '{Event.Kind.ESCALATION}', 'escalate', '', '', NULL, false, '',
           jsonb_build_object(
               'deadline', c.kinds[1], 'deadlines', to_jsonb(c.kinds),
               'from_level', c.from_level, 'to_level', c.to_level),
           %(now)s
    FROM climbs c
    ORDER BY c.petition_id
    RETURNING id
), messages AS (
    {_ESCALATION_MESSAGES}
)
SELECT (SELECT count(*) FROM breached), (SELECT count(*) FROM escalated),
       (SELECT count(*) FROM events), (SELECT count(*) FROM messages)
"""  # noqa: S608 - table and column names only; every value is a parameter


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Warn before deadlines and escalate breached ones one level up; returns what it did.

    Two statements, each in its own short transaction. Paused deadlines (waiting for the
    resident) and met ones are never touched.
    """
    now = now or timezone.now()
    params = {"now": now}
    result = {}
    with pghistory.context(action="petition_sweep"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(WARN_SQL, params)
            result["warned"], result["warning_events"], warn_messages = cursor.fetchone()
            if warn_messages:
                outbox.kick_after_commit()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(BREACH_SQL, params)
            result["breached"], result["escalated"], result["escalation_events"], escalation_messages = (
                cursor.fetchone()
            )
            if escalation_messages:
                outbox.kick_after_commit()
    result["messages"] = warn_messages + escalation_messages
    return result


# --- Monthly zero backlog (月月清零) ---------------------------------------------------------------

MONTHLY_SQL = f"""
WITH open_items AS (
    SELECT p.region_path,
           EXISTS (
               SELECT 1 FROM petitions_deadline d
               WHERE d.petition_id = p.id AND {_running("d")} AND d.due_at < %(end)s
           ) AS overdue
    FROM petitions_petition p
    WHERE p.status = ANY(%(open)s) AND p.created_at < %(end)s
), per_node AS (
    -- every open item counts for each of its ancestors down to the community (path prefixes)
    SELECT array_to_string((string_to_array(o.region_path, '/'))[1:depth.n], '/') || '/' AS path,
           count(*) AS open_count,
           count(*) FILTER (WHERE o.overdue) AS overdue_count
    FROM open_items o CROSS JOIN generate_series(1, %(max_level)s) AS depth(n)
    GROUP BY 1
), inserted AS (
    INSERT INTO petitions_monthlysnapshot (month, region_id, open_count, overdue_count, created_at)
    SELECT %(month)s, r.id, COALESCE(n.open_count, 0), COALESCE(n.overdue_count, 0), %(now)s
    FROM grids_region r LEFT JOIN per_node n ON n.path = r.path
    WHERE r.level <= %(max_level)s
    ORDER BY r.path
    ON CONFLICT (month, region_id) DO NOTHING
    RETURNING id
), messages AS (
    {_MONTHLY_MESSAGES}
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM messages)
"""  # noqa: S608 - table and column names only; every value is a parameter

MONTHLY_MAX_LEVEL = 3  # district, streets and towns, communities and villages


def previous_month(now: dt.datetime | None = None) -> dt.date:
    """The first day of the month before ``now`` in the portal's time zone (Asia/Shanghai)."""
    today = timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE)).date()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def month_end(month: dt.date) -> dt.datetime:
    """The first instant after ``month``, in the portal's time zone."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(following, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def monthly_sweep(month: dt.date | None = None, *, now: dt.datetime | None = None) -> dict[str, int]:
    """月月清零: snapshot, per region down to the communities, what was still open and what was
    overdue at the end of ``month`` (default: the month that just ended), and notify the staff of
    each region. Run hourly by beat; the unique (month, region) makes every later run a no-op.

    Counts are taken as of the sweep: items filed before the month's end that are still open, and
    among them those with a running (not met, not paused) deadline due before the month's end.
    """
    now = now or timezone.now()
    month = (month or previous_month(now)).replace(day=1)
    regions = Region.objects.filter(level__lte=MONTHLY_MAX_LEVEL).count()
    if MonthlySnapshot.objects.filter(month=month).count() >= regions:
        return {"month": month.isoformat(), "inserted": 0, "messages": 0}  # the hourly no-op, two cheap queries
    params = {
        "month": month,
        "end": month_end(month),
        "now": now,
        "open": [str(s) for s in OPEN_STATUSES],
        "max_level": MONTHLY_MAX_LEVEL,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(MONTHLY_SQL, params)
        inserted, messages = cursor.fetchone()
        if messages:
            outbox.kick_after_commit()
    return {"month": month.isoformat(), "inserted": inserted, "messages": messages}


def deliver_monthly_notice(message: OutboxMessage) -> None:
    """Outbox handler of ``MONTHLY_TOPIC``: tell the staff of the region its month-end figures."""
    snapshot = MonthlySnapshot.objects.select_related("region").filter(pk=message.payload["snapshot"]).first()
    if snapshot is None:
        return
    role = MONTHLY_ROLE_OF_LEVEL.get(snapshot.region.level)
    users = RoleAssignment.objects.filter(region=snapshot.region, role=role).values_list("user_id", flat=True)
    figures = {
        "month": f"{snapshot.month:%Y-%m}",
        "region": snapshot.region.name,
        "overdue": snapshot.overdue_count,
        "open": snapshot.open_count,
    }
    kind = "petition.monthly_overdue" if snapshot.overdue_count else "petition.monthly_clear"
    url = reverse("petitions:board") + f"?region={snapshot.region_id}"
    notify_users(message, users, kind=kind, params=figures, url=url)
