"""Who may do what with petitions, and the scoped queryset every page, export and API uses."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from grids.permissions import assignments, region_condition, region_paths, register_action
from grids.roles import Role

VIEW = "petitions.view"
FILE = "petitions.file"
TRIAGE = "petitions.triage"
HANDLE = "petitions.handle"
CALLBACK = "petitions.callback"
THIRD_PARTY = "petitions.third_party"
REVEAL = "petitions.reveal"
BOARD = "petitions.board"

register_action(
    VIEW,
    {Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.EVALUATOR, Role.ADMIN},
)
register_action(FILE, {Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN})
register_action(TRIAGE, {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN})
# Community staff handle the items they keep (小事不出社区); units handle through the HANDLER role.
register_action(HANDLE, {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN})
register_action(CALLBACK, {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN})
register_action(THIRD_PARTY, {Role.EVALUATOR})
register_action(REVEAL, {Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN})
register_action(BOARD, {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN})


def handler_unit_ids(user) -> list[int]:
    return sorted({a.unit_id for a in assignments(user) if a.role == Role.HANDLER and a.unit_id})


def scope_condition(user, action: str = VIEW) -> Q | None:
    """The condition on petitions for ``user``: region subtrees of their roles, plus (for viewing
    and handling) the items routed to their handling units. ``None`` means nothing."""
    condition = None
    paths = region_paths(user, action)
    if paths:
        condition = region_condition(paths, "region_path")
    if action in (VIEW, HANDLE, REVEAL):
        units = handler_unit_ids(user)
        if units:
            unit_q = Q(unit_id__in=units)
            condition = unit_q if condition is None else condition | unit_q
    return condition


def scope(qs: QuerySet, user, action: str = VIEW) -> QuerySet:
    condition = scope_condition(user, action)
    return qs.none() if condition is None else qs.filter(condition)


def may_act(user, petition, action: str) -> bool:
    """Whether ``user`` may perform ``action`` on this petition (already fetched in scope)."""
    if action in (HANDLE, REVEAL) and petition.unit_id and petition.unit_id in handler_unit_ids(user):
        return True
    paths = region_paths(user, action)
    return any(petition.region_path.startswith(p) for p in paths)


# Which right each petition action needs: the one table the pages and the API both read.
ACTION_PERMISSION: dict[str, str] = {
    "claim": TRIAGE,
    "triage": TRIAGE,
    "self_handle": TRIAGE,
    "merge": TRIAGE,
    # Closing an unevaluated item and reopening a closed one are queue decisions, not the unit's.
    "close": TRIAGE,
    "reopen": TRIAGE,
    "accept": HANDLE,
    "progress": HANDLE,
    "meeting": HANDLE,
    "request_info": HANDLE,
    "resume": HANDLE,
    "return": HANDLE,
    "reply": HANDLE,
    # Closing without a fix: the unit working it, or (before acceptance) the triage staff (the service checks).
    "close_unfixed": HANDLE,
    "note": HANDLE,
    "callback": CALLBACK,
    "third_party": THIRD_PARTY,
}
