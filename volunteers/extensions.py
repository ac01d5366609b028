"""What volunteers add to other apps' pages: the petition page's "publish as a volunteer opportunity"
action, the opportunities published from a petition, their timeline entries, and home-page links."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.home import FrontTile, HomeAction
from core.links import PageAction, Related
from grids.permissions import may, region_paths, within
from grids.roles import Role
from volunteers import permissions, selectors
from volunteers.models import OpportunityStatus


def petition_actions(user, petition) -> Iterable[PageAction]:
    """One query: whether an opportunity from this item is already open (then it offers "another")."""
    if within(petition.region_path, region_paths(user, permissions.PUBLISH)):
        url = reverse("volunteers:opportunity_new") + f"?petition={petition.pk}"
        published = (
            selectors.opportunities_of_petition(user=user, petition_id=petition.pk)
            .filter(status=OpportunityStatus.OPEN)
            .exists()
        )
        label = (
            gettext_lazy("Publish another volunteer opportunity")
            if published
            else gettext_lazy("Publish as a volunteer opportunity")
        )
        yield PageAction(label, url)


def petition_related(user, petition) -> Iterable[Related]:
    for opportunity in selectors.opportunities_of_petition(user=user, petition_id=petition.pk):
        yield Related(
            gettext_lazy("Volunteer opportunity"),
            opportunity.title,
            reverse("volunteers:opportunity_manage", args=[opportunity.pk]),
            opportunity.get_status_display(),
        )


def describe_published(params: dict) -> Iterable[str]:
    yield str(params.get("title", ""))
    start = params.get("start")
    if start:
        with contextlib.suppress(ValueError):
            yield dt.datetime.fromisoformat(start).strftime("%Y-%m-%d %H:%M")
    if params.get("places"):
        yield _("%(places)s places") % {"places": params["places"]}


def describe_outcome(params: dict) -> Iterable[str]:
    yield str(params.get("title", ""))
    status = params.get("status")
    if status in OpportunityStatus.values:
        yield str(OpportunityStatus(status).label)
    yield _("%(count)s volunteers signed up") % {"count": params.get("signed_up", 0)}


def home_actions(user, role: Role) -> Iterable[HomeAction]:
    if role == Role.RESIDENT:
        yield HomeAction(gettext_lazy("Wish wall"), reverse("volunteers:wall"))
        yield HomeAction(gettext_lazy("Volunteer opportunities"), reverse("volunteers:opportunities"))
        yield HomeAction(gettext_lazy("My volunteering"), reverse("volunteers:me"))
        return
    if role == Role.VOLUNTEER_COORDINATOR or (role == Role.ADMIN and may(user, permissions.MANAGE)):
        yield HomeAction(
            gettext_lazy("Volunteers"), reverse("volunteers:list"), primary=role == Role.VOLUNTEER_COORDINATOR
        )
        yield HomeAction(gettext_lazy("Register a volunteer"), reverse("volunteers:add"))
        yield HomeAction(gettext_lazy("Hours awaiting approval"), reverse("volunteers:hours_queue"))
        yield HomeAction(gettext_lazy("Organisations and studios"), reverse("volunteers:organisations"))
    if may(user, permissions.WISH_COLLECT) and role in (
        Role.GRID_LEADER,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.VOLUNTEER_COORDINATOR,
        Role.ADMIN,
    ):
        yield HomeAction(gettext_lazy("Micro-wishes"), reverse("volunteers:wish_desk"))
    if role in (Role.VOLUNTEER_COORDINATOR, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN):
        yield HomeAction(gettext_lazy("Volunteer opportunities"), reverse("volunteers:staff_opportunities"))


def front_tiles(request) -> Iterable[FrontTile]:
    yield FrontTile(
        title=gettext_lazy("Wish wall"),
        text=gettext_lazy("Small wishes of residents in need: a book, a fan, a schoolbag. Claim one."),
        url=reverse("volunteers:wall"),
        label=gettext_lazy("See the wish wall"),
        order=40,
        template="volunteers/_front_wall.html",
    )
