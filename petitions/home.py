"""What the petitions app offers on each role's home page (``accounts.home``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import FrontTile, HomeAction
from grids.permissions import may
from grids.roles import Role
from petitions import permissions

QUEUE_ROLES = (
    Role.HANDLER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_STAFF,
    Role.EVALUATOR,
    Role.ADMIN,
)


def home_actions(user, role: Role) -> Iterable[HomeAction]:
    if role == Role.RESIDENT:
        yield HomeAction(_("Report a problem"), reverse("petitions:public_report"), primary=True)
        yield HomeAction(_("My petitions"), reverse("petitions:mine"))
        yield HomeAction(_("Check the status of a petition"), reverse("petitions:public_status"))
        return
    if role in (Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF) and may(user, permissions.FILE):
        yield HomeAction(_("File a petition"), reverse("petitions:intake"), primary=role == Role.GRID_LEADER)
    if role in QUEUE_ROLES:
        label = _("Items of my unit") if role == Role.HANDLER else _("Petition queue")
        yield HomeAction(label, reverse("petitions:queue"), primary=role != Role.GRID_LEADER)
    if role in (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN) and may(
        user, permissions.BOARD
    ):
        yield HomeAction(_("Monthly zero-backlog board"), reverse("petitions:board"))


def front_tiles(request) -> Iterable[FrontTile]:
    """The front door leads with the report box, then the status check."""
    yield FrontTile(
        title=_("Report a problem"),
        text=_(
            "A broken street light, rubbish, noise, a leaking pipe: say what and where, add photos if you like. "
            "You get a tracking code and a private link to follow it."
        ),
        url=reverse("petitions:public_report"),
        label=_("Report a problem"),
        order=0,
    )
    yield FrontTile(
        title=_("Check the status of an item"),
        text=_("With the tracking code and the last four digits of your mobile number."),
        url=reverse("petitions:public_status"),
        label=_("Check"),
        order=10,
        template="petitions/_front_status.html",
    )
