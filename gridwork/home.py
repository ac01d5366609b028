"""What grid work adds to the home pages (``accounts.home``) and to a petition's page
(``petitions.extensions``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.home import FrontTile, HomeAction, HomePanel
from core.links import PageAction, Related
from grids.roles import Role
from gridwork import permissions, selectors
from petitions.models import Klass


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


def visits_of_petition(user, petition) -> Iterable[Related]:
    """ "From a household visit" on the petition's page, when the reader may see that household."""
    for visit in selectors.visits_of_petition(user=user, petition=petition):
        household = visit.household
        yield Related(
            _("From a household visit"),
            f"{visit.visited_on:%Y-%m-%d} · {household.compound.name} {household.address}",
            reverse("gridwork:household_detail", kwargs={"pk": household.pk}),
        )


def visits_of_wish(user, wish) -> Iterable[Related]:
    """ "From a household visit" on the micro-wish's pages, when the reader may see that household
    (staff of its region; never a signed-out reader of the wish wall)."""
    for visit in selectors.visits_of_wish(user=user, wish=wish):
        household = visit.household
        yield Related(
            _("From a household visit"),
            f"{visit.visited_on:%Y-%m-%d} · {household.compound.name} {household.address}",
            reverse("gridwork:household_detail", kwargs={"pk": household.pk}),
        )


def meetings_of_wish(user, wish) -> Iterable[Related]:
    """ "Resolved at a meeting" on the micro-wish's pages, when the reader may see the meeting."""
    for meeting in selectors.meetings_of_wish(user=user, wish=wish):
        yield Related(
            _("Resolved at a meeting"),
            f"{meeting.date:%Y-%m-%d} · {meeting.kind.name} · {meeting.place}",
            reverse("gridwork:meeting_detail", kwargs={"pk": meeting.pk}),
        )


def describe_visit(params: dict) -> Iterable[str]:
    yield _("Follow-up of the household visit of %(date)s in %(place)s") % {
        "date": params.get("date", ""),
        "place": params.get("place", ""),
    }


def describe_field_day(params: dict) -> Iterable[str]:
    yield _("Found on the field day of %(date)s in %(grid)s") % {
        "date": params.get("date", ""),
        "grid": params.get("grid", ""),
    }


def meetings_of_petition(user, petition) -> Iterable[Related]:
    """ "Resolved at a meeting" / "Joint meeting" on the petition's page (one query)."""
    for meeting in selectors.meetings_of_petition(user=user, petition=petition):
        label = _("Joint meeting") if meeting.for_petition_id == petition.pk else _("Resolved at a meeting")
        yield Related(
            label,
            f"{meeting.date:%Y-%m-%d} · {meeting.kind.name} · {meeting.place}",
            reverse("gridwork:meeting_detail", kwargs={"pk": meeting.pk}),
        )


def joint_meeting_action(user, petition) -> Iterable[PageAction]:
    """A major item (重大事项, 联席办) needs a joint meeting: record it here, about this item."""
    if (
        petition.klass == Klass.MAJOR
        and petition.is_open
        and permissions.may_in(user, permissions.RECORD_MEETING, petition.region_path)
    ):
        url = reverse("gridwork:meeting_new")
        yield PageAction(_("Record the joint meeting"), f"{url}?petition={petition.pk}")


def describe_meeting(params: dict) -> Iterable[str]:
    """Put without a query: the kind's names in both languages are in the entry's parameters."""
    english = (get_language() or "").startswith("en")
    kind = params.get("kind_en" if english else "kind_zh") or params.get("kind", "")
    yield _("%(kind)s on %(date)s at %(place)s") % {
        "kind": kind,
        "date": params.get("date", ""),
        "place": params.get("place", ""),
    }


def front_tiles(request) -> Iterable[FrontTile]:
    """The service catalogue and opening hours, for everyone, on the front door."""
    yield FrontTile(
        title=_("Services and opening hours"),
        text=_(
            "What your community service centre handles, the documents to bring, and when it is open — "
            "including Saturday and evening hours."
        ),
        url=reverse("gridwork:service_catalogue"),
        label=_("Service catalogue"),
        order=30,
    )


def home_actions(user, role: Role) -> Iterable[HomeAction]:
    if role in (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN):
        if role == Role.COMMUNITY_STAFF:
            yield HomeAction(_("Record a reception"), reverse("gridwork:reception_new"))
        yield HomeAction(_("Residents' meetings"), reverse("gridwork:meeting_list"))
        yield HomeAction(_("Field days"), reverse("gridwork:field_day_list"))
        yield HomeAction(_("First-ask reception"), reverse("gridwork:reception_list"))
        yield HomeAction(_("Household register"), reverse("gridwork:household_list"))
        yield HomeAction(_("Self-governance stations"), reverse("gridwork:station_list"))
        yield HomeAction(_("Grid work dashboard"), reverse("gridwork:dashboard"))
    if role == Role.RESIDENT:
        for station in selectors.stations_of_member(user=user):
            label = _("Report for %(station)s") % {"station": station.name}
            yield HomeAction(label, reverse("gridwork:station_file", kwargs={"pk": station.pk}))
    if role == Role.GRID_LEADER:
        yield HomeAction(_("Household visits"), reverse("gridwork:household_list"))
        yield HomeAction(_("Residents' meetings"), reverse("gridwork:meeting_list"))
