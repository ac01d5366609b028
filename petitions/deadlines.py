"""Working-time deadlines of petitions: which limits apply, when they fall due, pauses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Min, Q

from core.worktime import add_working_time, add_working_times, working_time_between
from petitions.models import Deadline, DeadlinePolicy, Event, Klass, Petition

# DESIGN.md defaults, used when an admin has not configured a policy for the class.
DEFAULTS = {
    Klass.ROUTINE: {
        "triage_hours": 7.5,
        "accept_hours": 1,
        "update_days": None,
        "meeting_days": None,
        "resolve_days": 1,
    },
    Klass.GENERAL: {
        "triage_hours": 7.5,
        "accept_hours": 7.5,
        "update_days": 5,
        "meeting_days": None,
        "resolve_days": 10,
    },
    Klass.MAJOR: {"triage_hours": 7.5, "accept_hours": 7.5, "update_days": 5, "meeting_days": 5, "resolve_days": 30},
}
TRIAGE_HOURS = Decimal("7.5")  # an unclassified item is triaged within one working day
WARN_FRACTION = Decimal("0.8")


def policy_for(klass: str, category_id: int | None) -> DeadlinePolicy:
    """The category's policy for the class, else the class default, else DESIGN.md's figures."""
    policies = list(
        DeadlinePolicy.objects.filter(Q(category_id=category_id) | Q(category__isnull=True), klass=klass).order_by(
            "category_id"
        )
    )
    specific = [p for p in policies if p.category_id == category_id and category_id is not None]
    if specific:
        return specific[0]
    if policies:
        return policies[0]
    return DeadlinePolicy(klass=klass, warn_fraction=WARN_FRACTION, **DEFAULTS[klass])


def _times(start: dt.datetime, *, hours=0, days=0, warn_fraction=WARN_FRACTION) -> tuple[dt.datetime, dt.datetime]:
    hours, days = Decimal(hours or 0), Decimal(days or 0)
    due, warn = add_working_times(start, [(hours, days), (hours * warn_fraction, days * warn_fraction)])
    return due, warn


def plan(kind: str, at: dt.datetime, *, hours=0, days=0, warn_fraction=WARN_FRACTION) -> Deadline:
    """A deadline of ``kind`` running from ``at``, not saved yet (nor tied to a petition)."""
    due, warn = _times(at, hours=hours, days=days, warn_fraction=warn_fraction)
    return Deadline(kind=kind, due_at=due, warn_at=warn)


def start(petition: Petition, kind: str, at: dt.datetime, *, hours=0, days=0, warn_fraction=WARN_FRACTION) -> Deadline:
    """Start (or restart) the running deadline of ``kind``."""
    stop(petition, [kind], at)
    return begin(petition, plan(kind, at, hours=hours, days=days, warn_fraction=warn_fraction), at)


def begin(petition: Petition, deadline: Deadline, at: dt.datetime) -> Deadline:
    """Save a planned ``deadline`` of ``petition`` (nothing of its kind may be running) and record it
    in the timeline."""
    deadline.petition = petition
    deadline.save(force_insert=True)
    _record(petition, deadline, at, action="deadline_set")
    if deadline.kind == Deadline.Kind.RESOLVE:
        petition.resolve_by = deadline.due_at
    return deadline


# Which limit of a policy each kind of deadline takes, and in which unit.
POLICY_LIMITS = {
    Deadline.Kind.ACCEPT: ("accept_hours", "hours"),
    Deadline.Kind.UPDATE: ("update_days", "days"),
    Deadline.Kind.MEETING: ("meeting_days", "days"),
    Deadline.Kind.RESOLVE: ("resolve_days", "days"),
}


def start_by_policy(petition: Petition, kind: str, at: dt.datetime, policy: DeadlinePolicy | None = None):
    """(Re)start the deadline of ``kind`` with the limit and warning share of the item's policy (its
    class, or "general" before triage, and its category). Returns it, or None when the policy sets no
    such limit."""
    policy = policy or policy_for(petition.klass or Klass.GENERAL, petition.category_id)
    limit, unit = POLICY_LIMITS[kind]
    amount = getattr(policy, limit)
    if not amount:
        return None
    return start(petition, kind, at, **{unit: amount}, warn_fraction=policy.warn_fraction)


def _record(petition: Petition, deadline: Deadline, at: dt.datetime, *, action: str) -> None:
    """A timeline entry for a deadline set or moved (internal: staff see it on the detail page).

    The wording is rendered from ``data`` in the reader's language, so no text is stored.
    """
    Event.objects.create(
        petition=petition,
        kind=Event.Kind.DEADLINE,
        action=action,
        created_at=at,
        data={"deadline": deadline.kind, "due_at": deadline.due_at.isoformat()},
    )


def stop(petition: Petition, kinds, at: dt.datetime) -> int:
    """Mark running deadlines of these kinds as met (or no longer relevant)."""
    return Deadline.objects.filter(petition=petition, kind__in=list(kinds), met_at__isnull=True).update(met_at=at)


def stop_all(petition: Petition, at: dt.datetime) -> int:
    return Deadline.objects.filter(petition=petition, met_at__isnull=True).update(met_at=at)


def pause(petition: Petition, at: dt.datetime) -> None:
    Deadline.objects.filter(petition=petition, met_at__isnull=True, paused_at__isnull=True).update(paused_at=at)


def resume(petition: Petition, at: dt.datetime) -> None:
    """Shift paused deadlines by the working time the clock stood still."""
    for deadline in Deadline.objects.filter(petition=petition, met_at__isnull=True, paused_at__isnull=False):
        paused = working_time_between(deadline.paused_at, at)
        hours = Decimal(paused.total_seconds()) / 3600
        deadline.due_at = add_working_time(deadline.due_at, hours=hours)
        deadline.warn_at = add_working_time(deadline.warn_at, hours=hours)
        deadline.paused_at = None
        deadline.save(update_fields=["due_at", "warn_at", "paused_at"])
        _record(petition, deadline, at, action="deadline_shift")
        if deadline.kind == Deadline.Kind.RESOLVE:
            petition.resolve_by = deadline.due_at


def next_due(petition: Petition):
    """The soonest running, unpaused deadline of ``petition`` (None when nothing runs)."""
    return Deadline.objects.filter(petition=petition, met_at__isnull=True, paused_at__isnull=True).aggregate(
        due=Min("due_at")
    )["due"]


def refresh_next_due_all(petition_ids=None) -> int:
    """Set-based recomputation of ``next_due_at`` (after bulk loads or backdating)."""
    sql = (
        "UPDATE petitions_petition p SET next_due_at = ("
        " SELECT min(d.due_at) FROM petitions_deadline d"
        " WHERE d.petition_id = p.id AND d.met_at IS NULL AND d.paused_at IS NULL)"
    )
    params: list = []
    if petition_ids is not None:
        sql += " WHERE p.id = ANY(%s)"
        params.append(list(petition_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
