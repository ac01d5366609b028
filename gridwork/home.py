"""What grid work adds to the home pages (``accounts.home``) and to a petition's page
(``petitions.extensions``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import HomePanel
from core.links import Related
from grids.roles import Role
from gridwork import selectors


def panels(user, role: Role) -> Iterable[HomePanel]:
    if role == Role.GRID_LEADER:
        week = selectors.leader_week(user=user)
        yield HomePanel(
            title=str(_("My week in the grid")), template="gridwork/_home_week.html", context={"week": week}, order=10
        )


def related_to_petition(user, petition) -> Iterable[Related]:
    """ "Found on a field day" on the petition's page, when the reader may see that field day."""
    for finding in selectors.findings_of_petition(user=user, petition=petition):
        day = finding.field_day
        yield Related(
            _("Found on a field day"),
            f"{day.date:%Y-%m-%d} · {day.grid.name}",
            reverse("gridwork:field_day_detail", kwargs={"pk": day.pk}),
        )


def describe_field_day(params: dict) -> Iterable[str]:
    yield _("Found on the field day of %(date)s in %(grid)s") % {
        "date": params.get("date", ""),
        "grid": params.get("grid", ""),
    }
