"""Reads of the KPI reports: scope first, then figures from the monthly rollups.

``kpis`` reads ``MonthlyRollup`` only — the rows of one region node for a range of months, a few
dozen rows per year and split — so its cost does not depend on the number of petitions.
``kpis_fresh`` computes the same ``Report`` directly from the petitions (``metrics.ITEM_SQL``): the
tests prove the two agree, and the benchmark times it as the bare aggregate.

A region outside the caller's scope for ``reports.view`` raises ``Http404``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext as _

from grids.models import HandlingUnit, Region
from grids.permissions import region_condition, region_paths, within
from petitions.models import Category, Channel, MonthlySnapshot, Petition
from petitions.sweeps import MONTHLY_MAX_LEVEL
from reports import permissions
from reports.metrics import COUNTS, ITEM_SQL, SUMS_SQL, Figures
from reports.models import Dim, MonthlyRollup
from reports.services import month_start, next_month

SPLITS = ("region", "category", "channel", "unit")
SELF_KEY = "self"
NO_UNIT_KEY = "none"


@dataclass
class Row:
    """One line of a split: its key, what to call it, its figures, and what narrows the queue to it."""

    key: str
    label: str
    figures: Figures
    filters: dict = field(default_factory=dict)
    region: Region | None = None  # the child node of a region split (drill-down)


@dataclass
class Report:
    region: Region
    start: dt.date  # first day of the first month
    end: dt.date  # first day of the last month (inclusive)
    total: Figures
    split: str | None = None
    rows: list[Row] = field(default_factory=list)

    def by_key(self) -> dict[str, Figures]:
        return {row.key: row.figures for row in self.rows}


# --- Scope ----------------------------------------------------------------------------------------


def scope_paths(user) -> list[str]:
    return region_paths(user, permissions.VIEW)


def require_in_scope(user, region: Region) -> None:
    if not within(region.path, scope_paths(user)):
        raise Http404


def report_region(*, user, region_id: int | None) -> Region:
    """The node a report is about: the one asked for, inside the scope (else 404), or by default the
    first top node of the caller's scope."""
    paths = scope_paths(user)
    if not paths:
        raise Http404
    qs = Region.objects.select_related("parent")
    region = qs.filter(pk=region_id).first() if region_id is not None else qs.filter(path=paths[0]).first()
    if region is None:
        raise Http404
    require_in_scope(user, region)
    return region


def scope_regions(*, user, max_level: int = 3) -> list[Region]:
    """The nodes of the caller's scope down to ``max_level`` (the region picker)."""
    condition = region_condition(scope_paths(user), "path")
    return list(Region.objects.filter(condition, level__lte=max_level).order_by("path"))


def region_trail(*, user, region: Region) -> list[Region]:
    """The ancestors of ``region`` inside the caller's scope, from the top, and the region itself."""
    paths = scope_paths(user)
    ancestors = Region.objects.filter(path__in=region.ancestor_paths()).order_by("level")
    return [r for r in ancestors if within(r.path, paths)]


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same number of months just before ``start`` (month-on-month comparison)."""
    count = len(months_between(start, end))
    first = start
    for _month in range(count):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, (start - dt.timedelta(days=1)).replace(day=1)


# --- From the rollups -----------------------------------------------------------------------------

_SUMS = {name: Sum(name) for name in COUNTS}


def _rollups(region_ids, dim: str, start: dt.date, end: dt.date):
    return MonthlyRollup.objects.filter(region__in=region_ids, dim=dim, month__gte=start, month__lte=end)


def kpis(
    *, user, region: Region, start: dt.date, end: dt.date, split: str | None = None, total: Figures | None = None
) -> Report:
    """The figures of the items filed in ``region``'s subtree from ``start``'s month to ``end``'s,
    and, with ``split``, one row per child region, category, channel or handling unit.

    ``total``: the totals of the same region and period when the caller already has them (one
    query less)."""
    require_in_scope(user, region)
    start, end = start.replace(day=1), end.replace(day=1)
    if total is None:
        total = Figures.of(_rollups([region.pk], Dim.ALL, start, end).aggregate(**_SUMS))
    report = Report(region=region, start=start, end=end, total=total, split=split)
    if split == "region":
        children = list(Region.objects.filter(parent=region).order_by("path"))
        sums = {
            row["region"]: Figures.of(row)
            for row in _rollups([c.pk for c in children], Dim.ALL, start, end).values("region").annotate(**_SUMS)
        }
        report.rows = _region_rows(region, children, total, sums)
    elif split == "category":
        rows = _rollups([region.pk], Dim.CATEGORY, start, end).values(
            "category", "category__code", "category__name_zh", "category__name_en"
        )
        report.rows = sorted(
            (
                Row(
                    key=str(r["category"]),
                    label=Category(
                        code=r["category__code"], name_zh=r["category__name_zh"], name_en=r["category__name_en"]
                    ).name,
                    figures=Figures.of(r),
                    filters={"category": r["category__code"]},
                )
                for r in rows.annotate(**_SUMS)
            ),
            key=lambda row: row.filters["category"],
        )
    elif split == "channel":
        rows = _rollups([region.pk], Dim.CHANNEL, start, end).values("channel").annotate(**_SUMS)
        report.rows = _channel_rows({r["channel"]: Figures.of(r) for r in rows})
    elif split == "unit":
        rows = _rollups([region.pk], Dim.UNIT, start, end).values("unit", "unit__name").annotate(**_SUMS)
        report.rows = _unit_rows({r["unit"]: (r["unit__name"], Figures.of(r)) for r in rows})
    return report


def _region_rows(region: Region, children: list[Region], total: Figures, sums: dict) -> list[Row]:
    rows = [
        Row(key=str(c.pk), label=c.name, figures=sums.get(c.pk, Figures()), filters={"region": c.pk}, region=c)
        for c in children
    ]
    own = total
    for row in rows:
        own = own - row.figures
    if children and own.collected:  # a leaf's own items are its total
        label = _("Filed at %(region)s itself") % {"region": region.name}
        rows.append(Row(key=SELF_KEY, label=label, figures=own))
    return rows


def _channel_rows(sums: dict[str, Figures]) -> list[Row]:
    order = {value: index for index, value in enumerate(Channel.values)}
    labels = dict(Channel.choices)
    return [
        Row(key=value, label=str(labels.get(value, value)), figures=figures, filters={"channel": value})
        for value, figures in sorted(sums.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]


def _unit_rows(sums: dict[int | None, tuple[str, Figures]]) -> list[Row]:
    rows = []
    for unit_id, (name, figures) in sorted(sums.items(), key=lambda kv: (kv[0] is None, kv[1][0] or "")):
        if unit_id is None:
            rows.append(Row(key=NO_UNIT_KEY, label=_("No handling unit"), figures=figures, filters={"no_unit": "true"}))
        else:
            rows.append(Row(key=str(unit_id), label=name, figures=figures, filters={"unit": unit_id}))
    return rows


def trend(*, user, region: Region, start: dt.date, end: dt.date) -> list[tuple[dt.date, Figures]]:
    """Month by month (every month of the range, empty ones as zeros), from the rollups."""
    require_in_scope(user, region)
    rows = _rollups([region.pk], Dim.ALL, start, end).values("month").annotate(**_SUMS)
    found = {r["month"]: Figures.of(r) for r in rows}
    return [(month, found.get(month, Figures())) for month in months_between(start, end)]


# --- Fresh from the petitions (the bare aggregate) ------------------------------------------------


def kpis_fresh(*, user, region: Region, start: dt.date, end: dt.date, split: str | None = None) -> Report:
    """``kpis`` computed directly from the petitions and their evaluations, no rollups."""
    require_in_scope(user, region)
    start, end = start.replace(day=1), end.replace(day=1)
    where = "p.region_path LIKE %(prefix)s AND p.created_at >= %(start)s AND p.created_at < %(end)s"
    params = {
        "prefix": region.path.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%",
        "start": month_start(start),
        "end": month_start(next_month(end)),
        "depth": region.level + 1,
        "own": region.path,
    }
    key_sql = {
        None: "''",
        "region": (
            "CASE WHEN i.region_path = %(own)s THEN 'self' "
            "ELSE array_to_string((string_to_array(i.region_path, '/'))[1:%(depth)s], '/') || '/' END"
        ),
        "category": "i.category_id::text",
        "channel": "i.channel",
        "unit": "COALESCE(i.unit_id::text, 'none')",
    }[split]
    sql = (
        f"SELECT {key_sql} AS key, {SUMS_SQL} "  # noqa: S608 - fixed expressions; values are parameters
        f"FROM ({ITEM_SQL.format(where=where)}) i GROUP BY 1"
    )
    # The router's database: the standby on report pages (core.replica), with its lag fallback.
    with connections[router.db_for_read(Petition)].cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        groups = {row[0]: Figures.of(dict(zip(columns, row, strict=True))) for row in cursor.fetchall()}
    total = sum(groups.values(), Figures())
    report = Report(region=region, start=start, end=end, total=total, split=split)
    if split == "region":
        children = list(Region.objects.filter(parent=region).order_by("path"))
        by_path = {c.path: c.pk for c in children}
        sums = {by_path[key]: figures for key, figures in groups.items() if key in by_path}
        report.rows = _region_rows(region, children, total, sums)
    elif split == "category":
        categories = Category.objects.in_bulk([int(k) for k in groups])
        report.rows = sorted(
            (
                Row(key=k, label=categories[int(k)].name, figures=f, filters={"category": categories[int(k)].code})
                for k, f in groups.items()
            ),
            key=lambda row: row.filters["category"],
        )
    elif split == "channel":
        report.rows = _channel_rows(groups)
    elif split == "unit":
        units = HandlingUnit.objects.in_bulk([int(k) for k in groups if k != NO_UNIT_KEY])
        report.rows = _unit_rows(
            {
                (None if k == NO_UNIT_KEY else int(k)): ("" if k == NO_UNIT_KEY else units[int(k)].name, f)
                for k, f in groups.items()
            }
        )
    return report


# --- The zero-backlog history (月月清零) ---------------------------------------------------------


@dataclass
class BacklogHistory:
    region: Region
    months: list[MonthlySnapshot]  # the region's own snapshots, oldest first
    children: list[tuple[Region, MonthlySnapshot | None]]  # at the latest month shown


def backlog_region(*, user, region: Region) -> Region:
    """Snapshots exist down to the communities: a deeper node reports its community's history."""
    require_in_scope(user, region)
    if region.level <= MONTHLY_MAX_LEVEL:
        return region
    paths = region.ancestor_paths()[:MONTHLY_MAX_LEVEL]
    candidates = Region.objects.filter(path__in=paths).order_by("-level")
    for candidate in candidates:
        if within(candidate.path, scope_paths(user)):
            return candidate
    raise Http404


def backlog_history(*, user, region: Region, months: int = 24) -> BacklogHistory:
    """The last ``months`` month-end snapshots of ``region`` and its children's latest ones."""
    require_in_scope(user, region)
    own = list(MonthlySnapshot.objects.filter(region=region).order_by("-month")[:months])
    own.reverse()
    children = list(Region.objects.filter(parent=region, level__lte=MONTHLY_MAX_LEVEL).order_by("path"))
    latest = own[-1].month if own else None
    found = (
        {s.region_id: s for s in MonthlySnapshot.objects.filter(region__in=children, month=latest)}
        if latest and children
        else {}
    )
    return BacklogHistory(region=region, months=own, children=[(c, found.get(c.pk)) for c in children])
