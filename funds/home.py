"""What the funds app offers on role home pages and on the public front door (``accounts.home``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import FrontTile, HomeAction, HomePanel
from funds import permissions, selectors
from grids.permissions import may
from grids.roles import Role


def home_actions(user, role: Role) -> Iterable[HomeAction]:
    if role in (Role.FUND_MANAGER, Role.ADMIN) and may(user, permissions.MANAGE):
        yield HomeAction(_("Funds"), reverse("funds:manage_list"), primary=role == Role.FUND_MANAGER)
    if role == Role.PANEL_MEMBER and may(user, permissions.VOTE):
        yield HomeAction(_("Proposals to vote on"), reverse("funds:panel"), primary=True)


def front_tiles(request) -> Iterable[FrontTile]:
    yield FrontTile(
        title=_("Community funds"),
        text=_("Named funds and community micro-funds: money in, money out, the balance and the projects paid."),
        url=reverse("funds:public_list"),
        label=_("See the funds"),
        order=40,
    )


def home_panels(user, role: Role) -> Iterable[HomePanel]:
    """A panel member sees the proposals waiting for their vote (one query)."""
    if role != Role.PANEL_MEMBER or not may(user, permissions.VOTE):
        return
    waiting = list(
        selectors.panel_proposals(user=user).filter(status="open").exclude(votes__member__user=user).order_by("-id")[:5]
    )
    yield HomePanel(_("Waiting for your vote"), "funds/_home_waiting.html", {"waiting": waiting}, order=10)
