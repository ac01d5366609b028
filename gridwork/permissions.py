"""Who may do what with grid work, and the scoped querysets every page reads through."""

from __future__ import annotations

from django.db.models import QuerySet

from grids.models import Region
from grids.permissions import region_paths, register_action, scope_by_region, within
from grids.roles import Role

VIEW = "gridwork.view"
LOG_FIELD_DAY = "gridwork.log_field_day"
FILE_FROM = "gridwork.file_from"  # turn a finding or a resolution into a petition
RECORD_MEETING = "gridwork.record_meeting"

_OFFICE = {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}

register_action(VIEW, {Role.GRID_LEADER, *_OFFICE})
# A field day is the grid leader's own record of their days in the grid.
register_action(LOG_FIELD_DAY, {Role.GRID_LEADER})
register_action(FILE_FROM, {Role.GRID_LEADER, *_OFFICE})
register_action(RECORD_MEETING, {Role.GRID_LEADER, *_OFFICE})


def scope(qs: QuerySet, user, action: str = VIEW) -> QuerySet:
    return scope_by_region(qs, user=user, action=action, path_lookup="region_path")


def regions(user, action: str, *, levels: tuple[int, ...]) -> QuerySet[Region]:
    """The regions of these levels inside the user's scope for ``action`` (a form's choices)."""
    return scope_by_region(Region.objects.filter(level__in=levels), user=user, action=action, path_lookup="path")


def may_in(user, action: str, region_path: str) -> bool:
    return within(region_path, region_paths(user, action))


# First-ask reception at a service centre's window: the community's workers (全能社工) and above.
RECORD_RECEPTION = "gridwork.record_reception"
REVEAL_RECEPTION = "gridwork.reveal_reception"
register_action(RECORD_RECEPTION, _OFFICE)
register_action(REVEAL_RECEPTION, _OFFICE)

# Household register (imported by the community office) and household visits (入户走访).
IMPORT_HOUSEHOLDS = "gridwork.import_households"
RECORD_VISIT = "gridwork.record_visit"
register_action(IMPORT_HOUSEHOLDS, _OFFICE)
register_action(RECORD_VISIT, {Role.GRID_LEADER, *_OFFICE})
# The head of household's name and phone: those who visit and call the household (its grid's leader,
# the community office and above), each reveal logged.
REVEAL_HOUSEHOLD = "gridwork.reveal_household"
# Editing a household of the register (the community office that keeps the register, and above).
EDIT_HOUSEHOLD = "gridwork.edit_household"
register_action(EDIT_HOUSEHOLD, _OFFICE)
register_action(REVEAL_HOUSEHOLD, {Role.GRID_LEADER, *_OFFICE})

# Self-governance stations: their activities are recorded by grid leaders and the community office;
# a station's members (residents with a login) file petitions for it (checked by membership).
RECORD_STATION = "gridwork.record_station"
register_action(RECORD_STATION, {Role.GRID_LEADER, *_OFFICE})
# Station members' names: the community office that works with the station (and above), logged.
REVEAL_STATION = "gridwork.reveal_station"
# Adding, editing and removing a station's members.
EDIT_STATION = "gridwork.edit_station"
register_action(EDIT_STATION, _OFFICE)
register_action(REVEAL_STATION, _OFFICE)
