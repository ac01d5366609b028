"""What each role's home page offers: the first things that role does, as links."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grids.permissions import may
from grids.roles import Role

QUEUE_ROLES = (
    Role.HANDLER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_STAFF,
    Role.EVALUATOR,
    Role.ADMIN,
)


@dataclass(frozen=True)
class HomeAction:
    label: str
    url: str
    primary: bool = False


def role_actions(user, role: Role) -> list[HomeAction]:
    from petitions import permissions as petition_permissions

    if role == Role.RESIDENT:
        return [
            HomeAction(_("Report a problem"), reverse("petitions:public_report"), primary=True),
            HomeAction(_("My petitions"), reverse("petitions:mine")),
            HomeAction(_("Check the status of a petition"), reverse("petitions:public_status")),
        ]
    actions: list[HomeAction] = []
    if role in (Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF) and may(user, petition_permissions.FILE):
        actions.append(HomeAction(_("File a petition"), reverse("petitions:intake"), primary=role == Role.GRID_LEADER))
    if role in QUEUE_ROLES:
        label = _("Items of my unit") if role == Role.HANDLER else _("Petition queue")
        actions.append(HomeAction(label, reverse("petitions:queue"), primary=role != Role.GRID_LEADER))
    if role in (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN) and may(
        user, petition_permissions.BOARD
    ):
        actions.append(HomeAction(_("Monthly zero-backlog board"), reverse("petitions:board")))
    return actions
