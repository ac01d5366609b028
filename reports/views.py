"""The KPI report pages: dashboard, handling-unit league table, zero-backlog history, monthly PDF.

Each page reads the monthly rollups through ``reports.selectors`` (a fixed, small number of
queries whatever the number of petitions). Invalid input re-renders the form with its translated
errors (400); a region outside the caller's scope is a 404.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.permissions import may
from petitions.sweeps import MONTHLY_MAX_LEVEL
from reports import charts, permissions, presentation, sections, selectors, services
from reports.forms import BacklogForm, MonthlyForm, PeriodForm, UnitsForm
from reports.metrics import COLLECTED_DEFINITION, RATES, WORK_HOURS_DEFINITION
from reports.pdf import monthly_pdf as render_monthly_pdf

PICKER_MAX_LEVEL = 3  # the region list offers nodes down to the communities; deeper ones via drill-down
TREND_MONTHS = 12
DEFAULT_SPLIT = "category"


def _require_viewer(user) -> None:
    if not may(user, permissions.VIEW):
        raise Http404


def _trend_start(start: dt.date, end: dt.date) -> dt.date:
    """The trend shows the period, and at least the ``TREND_MONTHS`` months up to its end."""
    first = end
    for _month in range(TREND_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return min(first, start)


def _definitions() -> list[tuple[str, str]]:
    return [
        (_("Items collected"), str(COLLECTED_DEFINITION)),
        *((str(spec.label), str(spec.definition)) for spec in RATES),
        (_("Average working time to reply"), str(WORK_HOURS_DEFINITION)),
    ]


def _rows(report: selectors.Report, start: dt.date, end: dt.date, *, query: dict | None = None) -> list[dict]:
    """Table rows: the row, its formatted cells, its queue links and (child regions) its drill-down."""
    rows = []
    for row in report.rows:
        narrow = dict(row.filters)
        region_id = narrow.pop("region", report.region.pk)
        links = presentation.links_for(region_id, start, end, **narrow).all() if row.key != selectors.SELF_KEY else {}
        drill = ""
        if row.region is not None and query is not None:
            drill = reverse("reports:dashboard") + "?" + _query(query, region=row.region.pk)
        named = {
            key: (value, links.get(key, "") if value != "—" else "")
            for key, value in presentation.row_cells(row.figures).items()
        }
        rows.append({"row": row, "cells": list(named.values()), "named": named, "links": links, "drill": drill})
    return rows


def _query(base: dict, **changes) -> str:
    params = {k: v for k, v in {**base, **changes}.items() if v not in (None, "")}
    return urlencode(params)


def _export_url(region_id: int, start: dt.date, end: dt.date) -> str:
    """The satisfaction export of the period (exports app): inclusive dates."""
    query = {"kind": "satisfaction", "region": region_id, "start": start.isoformat()}
    return reverse("exports:new") + "?" + _query({**query, "end": presentation.last_day(end).isoformat()})


def _with(regions: list, region) -> list:
    """The picker's regions plus the one shown (a node below the picker's depth, reached by drilling)."""
    return regions if any(r.pk == region.pk for r in regions) else sorted([*regions, region], key=lambda r: r.path)


def _invalid(request: HttpRequest, template: str, form, **context) -> HttpResponse:
    return render(request, template, {"form": form, "invalid": True, **context}, status=400)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    regions = selectors.scope_regions(user=user, max_level=PICKER_MAX_LEVEL)
    form = PeriodForm(request.GET, regions=regions)
    if not form.is_valid():
        return _invalid(request, "reports/dashboard.html", form, definitions=_definitions())
    data = form.cleaned_data
    region = selectors.report_region(user=user, region_id=data.get("region"))
    start, end, split = data["start"], data["end"], data.get("split") or DEFAULT_SPLIT
    form = PeriodForm(
        {"region": region.pk, "start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}", "split": split},
        regions=_with(regions, region),
    )
    form.is_valid()
    by_region = selectors.kpis(user=user, region=region, start=start, end=end, split="region")
    prev_start, prev_end = selectors.previous_period(start, end)
    previous = selectors.kpis(user=user, region=region, start=prev_start, end=prev_end)
    by_split = selectors.kpis(user=user, region=region, start=start, end=end, split=split, total=by_region.total)
    points = selectors.trend(user=user, region=region, start=_trend_start(start, end), end=end)
    links = presentation.links_for(region.pk, start, end)
    query = {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}", "split": split}
    children = [row for row in by_region.rows if row.region is not None]
    context = {
        "form": form,
        "region": region,
        "trail": selectors.region_trail(user=user, region=region),
        "start": start,
        "end": end,
        "period": presentation.period_label(start, end),
        "previous_period": presentation.period_label(prev_start, prev_end),
        "total": by_region.total,
        "cards": presentation.cards(by_region.total, previous.total, links),
        "links": links.all(),
        "children": _rows(by_region, start, end, query=query),
        "split": split,
        "split_rows": _rows(by_split, start, end),
        "split_tabs": [
            (key, label, _query({**query, "region": region.pk}, split=key))
            for key, label in form.fields["split"].choices
        ],
        "trend_svg": charts.svg(
            charts.trend_chart(points, title=_("Rates month by month")), label=_("Rates month by month")
        ),
        "volume_svg": charts.svg(
            charts.volume_chart(points, title=_("Items collected per month")), label=_("Items collected per month")
        ),
        "regions_svg": charts.svg(
            charts.regions_chart(children, title=_("Rates by region")), label=_("Rates by region")
        )
        if children
        else "",
        "trend_points": [(month, presentation.row_cells(figures)) for month, figures in points],
        "definitions": _definitions(),
        "refreshed_at": services.last_refreshed(),
        "pdf_url": reverse("reports:monthly_pdf") + "?" + _query({"region": region.pk, "month": f"{end:%Y-%m}"}),
        "units_url": reverse("reports:units") + "?" + _query({"region": region.pk, **query}, split=None),
        "backlog_url": reverse("reports:backlog") + "?" + _query({"region": region.pk}),
        "export_url": _export_url(region.pk, start, end),
        "sections": sections.sections(user=user, region=region, start=start, end=end),
    }
    return render(request, "reports/dashboard.html", context)


UNIT_SORT_KEYS = {
    "on_time": lambda f: (f.on_time_rate is None, -(f.on_time_rate or 0), -f.collected),
    "satisfaction": lambda f: (f.satisfaction_rate is None, -(f.satisfaction_rate or 0), -f.collected),
    "rework": lambda f: (f.rework_rate is None, f.rework_rate or 0, -f.collected),
    "collected": lambda f: (-f.collected,),
}


@login_required
@require_GET
def units(request: HttpRequest) -> HttpResponse:
    """The handling-unit league table: on-time rate, rework rate and satisfaction per unit."""
    user = request.user
    _require_viewer(user)
    regions = selectors.scope_regions(user=user, max_level=PICKER_MAX_LEVEL)
    form = UnitsForm(request.GET, regions=regions)
    if not form.is_valid():
        return _invalid(request, "reports/units.html", form)
    data = form.cleaned_data
    region = selectors.report_region(user=user, region_id=data.get("region"))
    start, end, sort = data["start"], data["end"], data.get("sort") or "on_time"
    form = UnitsForm(
        {"region": region.pk, "start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}", "sort": sort},
        regions=_with(regions, region),
    )
    form.is_valid()
    report = selectors.kpis(user=user, region=region, start=start, end=end, split="unit")
    unrouted = [r for r in report.rows if r.key == selectors.NO_UNIT_KEY]
    report.rows = sorted(
        (r for r in report.rows if r.key != selectors.NO_UNIT_KEY), key=lambda r: UNIT_SORT_KEYS[sort](r.figures)
    )
    query = {"region": region.pk, "start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"}
    context = {
        "form": form,
        "region": region,
        "period": presentation.period_label(start, end),
        "rows": _rows(report, start, end),
        "unrouted": _rows(selectors.Report(region, start, end, report.total, "unit", unrouted), start, end),
        "sort": sort,
        "sort_links": [(key, label, _query(query, sort=key)) for key, label in form.fields["sort"].choices],
        "dashboard_url": reverse("reports:dashboard") + "?" + _query(query),
        "definitions": _definitions(),
    }
    return render(request, "reports/units.html", context)


@login_required
@require_GET
def backlog(request: HttpRequest) -> HttpResponse:
    """The history of the monthly zero-backlog board (月月清零) of one node and its children."""
    user = request.user
    _require_viewer(user)
    regions = selectors.scope_regions(user=user, max_level=MONTHLY_MAX_LEVEL)
    form = BacklogForm(request.GET, regions=regions)
    if not form.is_valid():
        return _invalid(request, "reports/backlog.html", form)
    region = selectors.backlog_region(
        user=user, region=selectors.report_region(user=user, region_id=form.cleaned_data.get("region"))
    )
    history = selectors.backlog_history(user=user, region=region)
    form = BacklogForm({"region": region.pk}, regions=regions)
    context = {
        "form": form,
        "region": region,
        "history": history,
        "months_desc": list(reversed(history.months)),
        "latest_month": history.months[-1].month if history.months else None,
        "chart_svg": charts.svg(
            charts.backlog_chart(history.months, title=_("Open and overdue items at month end")),
            label=_("Open and overdue items at month end"),
        )
        if history.months
        else "",
        "board_url": reverse("petitions:board") + "?" + _query({"region": region.pk}),
    }
    return render(request, "reports/backlog.html", context)


@login_required
@require_GET
def monthly_pdf(request: HttpRequest) -> HttpResponse:
    """The monthly report of one region as PDF (``?region=<id>&month=YYYY-MM``)."""
    user = request.user
    _require_viewer(user)
    form = MonthlyForm(request.GET)
    if not form.is_valid():
        return _invalid(request, "reports/pdf_error.html", form)
    region = selectors.report_region(user=user, region_id=form.cleaned_data.get("region"))
    month = form.cleaned_data["month"]
    by_region = selectors.kpis(user=user, region=region, start=month, end=month, split="region")
    prev_start, prev_end = selectors.previous_period(month, month)
    previous = selectors.kpis(user=user, region=region, start=prev_start, end=prev_end)
    unit_rows = selectors.kpis(user=user, region=region, start=month, end=month, split="unit").rows
    points = selectors.trend(user=user, region=region, start=_trend_start(month, month), end=month)
    content = render_monthly_pdf(
        region=region,
        month=month,
        kpi_cards=presentation.cards(by_region.total, previous.total, presentation.links_for(region.pk, month, month)),
        trend_points=points,
        children=by_region.rows,
        units=sorted(unit_rows, key=lambda r: -r.figures.collected),
        refreshed_at=services.last_refreshed(),
        sections=sections.sections(user=user, region=region, start=month, end=month),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kpi-{region.code}-{month:%Y-%m}.pdf"'
    return response
