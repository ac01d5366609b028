"""The monthly zero-backlog board (月月清零): month-end figures per region and what must be cleared now.

A fixed number of queries whatever the data: the regions shown (the chosen node and its children
down to the communities), the months (keyset on ``month``, newest first), their snapshots, and the
first ``OVERDUE_LIMIT`` open overdue items of the scope — no COUNT over the petitions table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Func, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grids.models import Region
from grids.permissions import may, region_condition, region_paths
from petitions import permissions
from petitions.models import OPEN_STATUSES, Deadline, MonthlySnapshot, Petition
from petitions.sweeps import MONTHLY_MAX_LEVEL

MONTHS_PER_PAGE = 6
OVERDUE_LIMIT = 50


class _InArray(Func):
    """``lhs = ANY(array)``: with ``ArraySubquery`` the subquery runs once, then index lookups."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        lhs, rhs = (compiler.compile(expression) for expression in self.get_source_expressions())
        return f"{lhs[0]} = ANY({rhs[0]})", (*lhs[1], *rhs[1])


@dataclass
class BoardRow:
    region: Region
    cells: list  # MonthlySnapshot or None, one per month shown
    is_focus: bool


# --- Reads (the board's selectors) ---------------------------------------------------------------


def board_regions(*, user, region_id: str | None) -> list[Region]:
    """The nodes the board starts from: the one asked for (inside the scope, down to the
    communities) or the roots of the user's scope. Outside the scope: 404."""
    paths = region_paths(user, permissions.BOARD)
    if not region_id:
        return list(Region.objects.filter(path__in=paths).order_by("path"))
    try:
        return [
            Region.objects.filter(region_condition(paths, "path"), level__lte=MONTHLY_MAX_LEVEL).get(pk=int(region_id))
        ]
    except (ValueError, Region.DoesNotExist):
        raise Http404 from None


def board_rows(focus: list[Region], *, before: dt.date | None) -> tuple[list[BoardRow], list[dt.date], dt.date | None]:
    """Each focus node and its children down to the communities, with their month-end snapshots
    for up to ``MONTHS_PER_PAGE`` months before ``before`` (newest first); and the next cursor."""
    children = list(
        Region.objects.filter(parent__in=focus, level__lte=MONTHLY_MAX_LEVEL).order_by("path")
        if focus
        else Region.objects.none()
    )
    regions = sorted([*focus, *children], key=lambda r: r.path)
    snapshots = MonthlySnapshot.objects.filter(region__in=regions)
    if before:
        snapshots = snapshots.filter(month__lt=before)
    months = list(snapshots.order_by("-month").values_list("month", flat=True).distinct()[: MONTHS_PER_PAGE + 1])
    older = months[MONTHS_PER_PAGE - 1] if len(months) > MONTHS_PER_PAGE else None
    months = months[:MONTHS_PER_PAGE]
    found = {(s.region_id, s.month): s for s in snapshots.filter(month__in=months)}
    focus_ids = {r.pk for r in focus}
    rows = [BoardRow(r, [found.get((r.pk, m)) for m in months], r.pk in focus_ids) for r in regions]
    return rows, months, older


def board_overdue(*, user, within: list[Region], now: dt.datetime, limit: int = OVERDUE_LIMIT) -> list[Petition]:
    """The first ``limit`` (+1, to tell whether there are more) open items in scope with a running
    deadline past due, the longest overdue first."""
    overdue = Deadline.objects.filter(met_at__isnull=True, paused_at__isnull=True, due_at__lte=now)
    first = overdue.filter(petition=OuterRef("pk")).order_by("due_at", "id")
    qs: QuerySet = permissions.scope(Petition.objects.all(), user, permissions.BOARD)
    qs = qs.filter(region_condition([r.path for r in within], "region_path"))
    qs = (
        # id = ANY(ARRAY(…)): the overdue deadlines are read once, then petitions by primary key
        qs.filter(_InArray(F("pk"), ArraySubquery(overdue.values("petition_id"))), status__in=OPEN_STATUSES)
        .annotate(overdue_since=Subquery(first.values("due_at")[:1]), overdue_kind=Subquery(first.values("kind")[:1]))
        .select_related("category", "region", "unit")
        .order_by("overdue_since", "id")
    )
    items = list(qs[: limit + 1])
    kinds = dict(Deadline.Kind.choices)
    for petition in items:
        petition.overdue_kind_label = kinds.get(petition.overdue_kind, "")
    return items


def _month(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None  # a malformed cursor means the newest months


# --- The page -----------------------------------------------------------------------------------


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    if not may(request.user, permissions.BOARD):
        raise Http404
    focus = board_regions(user=request.user, region_id=request.GET.get("region"))
    rows, months, older = board_rows(focus, before=_month(request.GET.get("before")))
    overdue = board_overdue(user=request.user, within=focus, now=timezone.now())
    context = {
        "focus": focus[0] if len(focus) == 1 else None,
        "drilled": bool(request.GET.get("region")),
        "rows": rows,
        "months": months,
        "older": older,
        "overdue": overdue[:OVERDUE_LIMIT],
        "overdue_more": len(overdue) > OVERDUE_LIMIT,
        "overdue_limit": OVERDUE_LIMIT,
        "max_level": MONTHLY_MAX_LEVEL,
    }
    return render(request, "petitions/board.html", context)
