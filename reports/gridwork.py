"""The reports' part of the grid dashboard (``gridwork.extensions``): the petition figures of a region
and of each child region from the monthly rollups, and the bar charts, drawn by ``reports.charts``.

Registered from ``ReportsConfig.ready``; grid work may not import the reports (it sits below them)."""

from __future__ import annotations

import datetime as dt

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from grids.models import Region
from grids.permissions import within
from gridwork.extensions import PetitionFigures, PetitionRow
from reports import charts, presentation, selectors
from reports.metrics import COLLECTED_DEFINITION, RATES

# The columns of the grid dashboard's petition table (keys of ``presentation.row_cells``).
COLUMNS = ("collected", "first_time_rate", "feedback_rate", "on_time_rate", "satisfaction_rate", "rework_rate")


def _labels() -> dict[str, str]:
    return {"collected": _("Items collected"), **{spec.key: str(spec.label) for spec in RATES}}


def _cells(figures, links: dict[str, str]) -> list[tuple[str, str]]:
    shown = presentation.row_cells(figures)
    return [(shown[key], links.get(key, "") if shown[key] != "—" else "") for key in COLUMNS]


def petition_figures(*, user, region: Region, start: dt.date, end: dt.date) -> PetitionFigures | None:
    """The items filed in the months of ``start``..``end`` in ``region``'s subtree and in each child's
    (three queries on the rollups), or ``None`` outside the user's ``reports.view`` scope."""
    if not within(region.path, selectors.scope_paths(user)):
        return None
    first, last = start.replace(day=1), end.replace(day=1)
    report = selectors.kpis(user=user, region=region, start=first, end=last, split="region")
    total = PetitionRow(
        label=region.name, cells=_cells(report.total, presentation.links_for(region.pk, first, last).all())
    )
    rows = []
    for row in report.rows:
        links = presentation.links_for(row.region.pk, first, last).all() if row.region is not None else {}
        rows.append(
            PetitionRow(
                label=row.label,
                cells=_cells(row.figures, links),
                region_pk=row.region.pk if row.region is not None else None,
            )
        )
    labels = _labels()
    definitions = [(labels["collected"], str(COLLECTED_DEFINITION))]
    definitions += [(str(spec.label), str(spec.definition)) for spec in RATES if spec.key in COLUMNS]
    children = [row for row in report.rows if row.region is not None]
    chart = ""
    if children:
        title = _("Petitions by region, %(period)s") % {"period": presentation.period_label(first, last)}
        chart = charts.svg(charts.regions_chart(children, title=title), label=title)
    return PetitionFigures(
        columns=[labels[key] for key in COLUMNS], total=total, rows=rows, definitions=definitions, chart=chart
    )


def bars(
    labels: list[str], series: list[list[float | None]], names: list[str], *, title: str, percent: bool
) -> SafeString:
    return charts.svg(charts.bar_chart(labels, series, names, title=title, percent=percent), label=title)
