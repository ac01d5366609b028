"""Who may do what with funds. Fund managers (and the admin) manage the funds in their region;
panel members vote on the proposals of the micro-funds whose panel they sit on; everyone may read
a fund's public page."""

from __future__ import annotations

from django.db.models import QuerySet

from grids.permissions import register_action, scope_by_region
from grids.roles import Role

MANAGE = "funds.manage"
VOTE = "funds.vote"

register_action(MANAGE, {Role.FUND_MANAGER, Role.ADMIN})
register_action(VOTE, {Role.PANEL_MEMBER})


def scope(qs: QuerySet, user, action: str = MANAGE, path_lookup: str = "region__path") -> QuerySet:
    return scope_by_region(qs, user=user, action=action, path_lookup=path_lookup)
