"""Grid work's section of the KPI dashboard and the monthly PDF (``reports.sections``, ``core.figures``).

One statement (``selectors.grid_figures``) gives every figure of the region's subtree over the
months asked; each figure carries its definition, shown on the page and in the PDF."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange

from django.urls import reverse
from django.utils.translation import gettext as _

from core.figures import Figure, Section
from gridwork import permissions, selectors


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def section(*, user, region, start: dt.date, end: dt.date) -> Section | None:
    if not permissions.may_in(user, permissions.VIEW, region.path):
        return None
    last = end.replace(day=monthrange(end.year, end.month)[1])
    f = selectors.grid_figures(region=region, start=start, end=last)
    figures = [
        Figure(
            "field_days",
            _("Field days"),
            str(f.field_days),
            _("Field days grid leaders recorded in the region during the period."),
        ),
        Figure(
            "field_day_compliance",
            _("Field-day compliance"),
            _percent(f.compliance),
            _(
                "For each grid leader of the region and each week of the period (up to today): the distinct days "
                "in the grid, counted up to %(expected)s; their sum ÷ (grid leaders × weeks × %(expected)s)."
            )
            % {"expected": f.expected},
        ),
        Figure(
            "visit_rate",
            _("Visit rate"),
            _percent(f.visit_rate),
            _("Households with at least one visit in the period ÷ households in the region's register."),
            reverse("gridwork:household_list") + f"?region={region.pk}",
        ),
        Figure(
            "meetings",
            _("Residents' meetings"),
            str(f.meetings),
            _("Meetings held in the region during the period, of every kind."),
            reverse("gridwork:meeting_list") + f"?region={region.pk}",
        ),
        Figure(
            "resolution_follow_through",
            _("Resolutions taken up"),
            _percent(f.follow_through),
            _("Resolutions of the period's meetings that became petitions ÷ all their resolutions."),
        ),
        Figure(
            "receptions",
            _("First-ask receptions"),
            str(f.receptions),
            _("Questions recorded at the service centres' windows during the period."),
        ),
        Figure(
            "referral_rate",
            _("Referred elsewhere"),
            _percent(f.referral_rate),
            _("First-ask receptions where the resident was referred to another office ÷ all receptions."),
        ),
        Figure(
            "station_participation",
            _("Stations' participation"),
            _percent(f.participation),
            _(
                "Members of the region's self-governance stations ÷ the residents of their compounds "
                "(the members of the register's households)."
            ),
            reverse("gridwork:station_list"),
        ),
    ]
    return Section(
        key="gridwork",
        title=_("Grid work"),
        figures=figures,
        url=reverse("gridwork:dashboard") + f"?region={region.pk}",
    )
