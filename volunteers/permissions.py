"""Who may do what with volunteers and opportunities. Coordinators manage the volunteers whose home
region lies in their scope; staff of the petition loop may publish an opportunity from a petition."""

from __future__ import annotations

from django.db.models import QuerySet

from grids.permissions import register_action, scope_by_region
from grids.roles import Role

VIEW = "volunteers.view"
MANAGE = "volunteers.manage"
REVEAL = "volunteers.reveal"
PUBLISH = "volunteers.publish"

register_action(
    VIEW, {Role.VOLUNTEER_COORDINATOR, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}
)
register_action(MANAGE, {Role.VOLUNTEER_COORDINATOR, Role.ADMIN})
register_action(REVEAL, {Role.VOLUNTEER_COORDINATOR, Role.ADMIN})
register_action(
    PUBLISH, {Role.VOLUNTEER_COORDINATOR, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}
)


def scope_volunteers(qs: QuerySet, user, action: str = VIEW) -> QuerySet:
    return scope_by_region(qs, user=user, action=action, path_lookup="region__path")


def scope_organisations(qs: QuerySet, user, action: str = VIEW) -> QuerySet:
    return scope_by_region(qs, user=user, action=action, path_lookup="region__path")


def scope_opportunities(qs: QuerySet, user, action: str = VIEW) -> QuerySet:
    return scope_by_region(qs, user=user, action=action, path_lookup="region_path")


# Micro-wishes: collected by grid leaders and staff, verified (筛选认定) and confirmed by community staff.
WISH_COLLECT = "volunteers.wish_collect"
WISH_VERIFY = "volunteers.wish_verify"
register_action(
    WISH_COLLECT,
    {Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.VOLUNTEER_COORDINATOR, Role.ADMIN},
)
register_action(WISH_VERIFY, {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.ADMIN})


def scope_wishes(qs: QuerySet, user, action: str = WISH_COLLECT) -> QuerySet:
    return scope_by_region(qs, user=user, action=action, path_lookup="region_path")
