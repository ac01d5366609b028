"""Matrix rows of grid work. ``day_in`` lies in grid A (logged by its grid leader), ``day_out`` in
another district, and each principal's sibling node has a field day of its own."""

from grids.roles import Role
from gridwork.models import (
    FieldDay,
    Finding,
    Household,
    Meeting,
    Reception,
    Resolution,
    ServiceCentre,
    Station,
    StationMember,
    Visit,
)
from tests.authz import MULTI, Row, statuses
from tests.gridwork.factories import meeting_kind

VIEWERS = [Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN]
OFFICE = [Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN]
OUTSIDE = statuses(404, anon=302)


def _table(by_status: dict[int, list], default: int = 404) -> dict[str, int]:
    table = statuses(default, anon=302)
    for status, roles in by_status.items():
        table.update(dict.fromkeys((r.value for r in roles), status))
    return table


def _day(leader, node) -> FieldDay:
    """A field day straight in ``node`` (the matrix needs one in every kind of node)."""
    day = FieldDay.objects.create(leader=leader, grid=node, region_path=node.path, date="2026-12-01", hours=3)
    Finding.objects.create(field_day=day, text="路灯不亮")
    return day


def _meeting(node) -> Meeting:
    meeting = Meeting.objects.create(
        kind=meeting_kind(), date="2026-12-01", place="议事厅", region=node, region_path=node.path, topics="停车"
    )
    Resolution.objects.create(meeting=meeting, text="划定车位")
    return meeting


def _reception(node) -> Reception:
    """A centre in ``node`` (the matrix puts one in every kind of node) and one reception at it."""
    from django.contrib.auth import get_user_model

    centre = ServiceCentre.objects.create(region=node, region_path=node.path, name=f"中心{node.pk}", address="一楼")
    worker = get_user_model().objects.create_user(username=f"window{node.pk}", password="x-Test-2026")
    return Reception.objects.create(
        centre=centre,
        region_path=node.path,
        question="公租房",
        answer="已答复",
        resident_name="陈秀英",
        resident_phone="13912345678",
        answered_by=worker,
    )


def _household(node, visitor) -> Household:
    """A household in ``node`` with one visit that needs a follow-up (a petition or a micro-wish)."""
    household = Household.objects.create(compound=node, region_path=node.path, building="1", room="101")
    Visit.objects.create(
        household=household,
        region_path=node.path,
        visited_on="2026-12-01",
        visitor=visitor,
        outcome="漏水",
        follow_up=True,
    )
    return household


def _station(node) -> Station:
    station = Station.objects.create(compound=node, region_path=node.path, name=f"互助站{node.pk}")
    StationMember.objects.create(station=station, name="赵德明")
    return station


def build(world) -> None:
    leader = world.users["grid_leader"]
    makers = (
        ("day", lambda node: _day(leader, node)),
        ("meeting", _meeting),
        ("reception", _reception),
        ("household", lambda node: _household(node, leader)),
        ("station", _station),
    )
    for key, make in makers:
        world.objects[f"{key}_in"] = make(world.tree.grid_a)
        world.objects[f"{key}_out"] = make(world.foreign.street)
        by_node = {}
        for name in (*world.users, "anon"):
            node = world.sibling_region(name)
            if node.pk not in by_node:
                by_node[node.pk] = make(node)
        world.objects[f"{key}_sibling"] = {
            name: by_node[world.sibling_region(name).pk] for name in (*world.users, "anon")
        }
    StationMember.objects.create(station=world.objects["station_in"], user=world.users["resident"], name="陈秀英")


def _object_row(key: str, kwargs, expect: dict, **extra) -> Row:
    return Row(
        expect=expect,
        inside=lambda world, principal: kwargs(world.objects[f"{key}_in"]),
        outside=lambda world, principal: kwargs(world.objects[f"{key}_out"]),
        outside_expect=OUTSIDE,
        sibling=lambda world, principal: kwargs(world.objects[f"{key}_sibling"][principal]),
        **extra,
    )


def _day_kwargs(day) -> dict:
    return {"pk": day.pk}


def _member_kwargs(station) -> dict:
    """The station's first member (every station of the matrix has one)."""
    return {"pk": station.pk, "member_pk": station.members.order_by("id").first().pk}


def _visit_kwargs(household) -> dict:
    return {"pk": household.pk, "visit_pk": household.visits.get().pk}


def _finding_kwargs(day) -> dict:
    return {"pk": day.pk, "finding_pk": day.findings.get().pk}


ROWS = {
    "gridwork:field_day_list": Row(expect=_table({200: VIEWERS})),
    # An empty form comes back with its errors (400) to the grid leader.
    "gridwork:field_day_new": Row(
        expect=_table({200: [Role.GRID_LEADER]}), also={"post": _table({400: [Role.GRID_LEADER]})}
    ),
    "gridwork:field_day_detail": Row(
        expect=_table({200: VIEWERS}),
        inside=lambda world, principal: _day_kwargs(world.objects["day_in"]),
        outside=lambda world, principal: _day_kwargs(world.objects["day_out"]),
        outside_expect=OUTSIDE,
        sibling=lambda world, principal: _day_kwargs(world.objects["day_sibling"][principal]),
    ),
    # An empty choice of category: the finding's form comes back with its error.
    "gridwork:meeting_list": Row(expect=_table({200: VIEWERS})),
    "gridwork:meeting_new": Row(expect=_table({200: VIEWERS}), also={"post": _table({400: VIEWERS})}),
    "gridwork:meeting_detail": _object_row("meeting", _day_kwargs, _table({200: VIEWERS})),
    # An empty resolution or category comes back with its error.
    "gridwork:resolution_add": _object_row("meeting", _day_kwargs, _table({400: VIEWERS}), method="post"),
    "gridwork:resolution_file": _object_row(
        "meeting",
        lambda meeting: {"pk": meeting.pk, "resolution_pk": meeting.resolutions.get().pk},
        _table({400: VIEWERS}),
        method="post",
    ),
    # The public catalogue: everyone, signed in or not.
    "gridwork:service_catalogue": Row(expect=statuses(200)),
    "gridwork:service_centre": Row(
        expect=statuses(200),
        inside=lambda world, principal: {"pk": world.objects["reception_in"].centre_id},
    ),
    "gridwork:reception_list": Row(expect=_table({200: VIEWERS})),
    # ``multi`` posts as the street staff it also is: an empty form comes back with its errors.
    "gridwork:reception_new": Row(expect=_table({200: OFFICE}), also={"post": {**_table({400: OFFICE}), MULTI: 400}}),
    "gridwork:reception_detail": _object_row("reception", _day_kwargs, _table({200: VIEWERS})),
    "gridwork:reception_reveal": _object_row("reception", _day_kwargs, _table({200: OFFICE}), method="post"),
    "gridwork:household_list": Row(expect=_table({200: VIEWERS})),
    "gridwork:household_import": Row(
        expect=_table({200: OFFICE}), also={"post": {**_table({400: OFFICE}), MULTI: 400}}
    ),
    "gridwork:household_detail": _object_row("household", _day_kwargs, _table({200: VIEWERS})),
    # An empty visit comes back with its errors.
    "gridwork:visit_new": _object_row("household", _day_kwargs, _table({400: VIEWERS}), method="post"),
    # An empty category or wish comes back with its errors (a visit that needs a follow-up).
    "gridwork:visit_file": _object_row("household", _visit_kwargs, _table({400: VIEWERS}), method="post"),
    "gridwork:visit_wish": _object_row("household", _visit_kwargs, _table({400: VIEWERS}), method="post"),
    "gridwork:resolution_wish": _object_row(
        "meeting",
        lambda meeting: {"pk": meeting.pk, "resolution_pk": meeting.resolutions.get().pk},
        _table({400: VIEWERS}),
        method="post",
    ),
    # Reveals (logged): the household's head to those who visit it, station members to the office.
    "gridwork:household_reveal": _object_row("household", _day_kwargs, _table({200: VIEWERS}), method="post"),
    "gridwork:station_reveal": _object_row("station", _day_kwargs, _table({200: OFFICE}), method="post"),
    # Editing: the office; an empty form comes back with its errors, the edit pages open.
    "gridwork:household_edit": _object_row(
        "household", _day_kwargs, _table({200: OFFICE}), also={"post": _table({400: OFFICE})}
    ),
    "gridwork:station_member_new": _object_row("station", _day_kwargs, _table({400: OFFICE}), method="post"),
    "gridwork:station_member_edit": _object_row(
        "station", _member_kwargs, _table({200: OFFICE}), also={"post": _table({302: OFFICE})}
    ),
    # Without the confirmation the edit page comes back with its error (nothing removed).
    "gridwork:station_member_remove": _object_row("station", _member_kwargs, _table({400: OFFICE}), method="post"),
    "gridwork:dashboard": Row(expect=_table({200: VIEWERS})),
    "gridwork:station_list": Row(expect=_table({200: VIEWERS})),
    "gridwork:station_detail": _object_row("station", _day_kwargs, _table({200: VIEWERS})),
    "gridwork:station_activity_new": _object_row("station", _day_kwargs, _table({400: VIEWERS}), method="post"),
    # Only the station's own members (the resident of compound A is one of station_in's): everyone
    # else, whatever their role, finds no such page.
    "gridwork:station_file": Row(
        expect=statuses(404, anon=302, resident=200),
        also={"post": statuses(404, anon=302, resident=400)},
        inside=lambda world, principal: _day_kwargs(world.objects["station_in"]),
        outside=lambda world, principal: _day_kwargs(world.objects["station_out"]),
        outside_expect=OUTSIDE,
    ),
    "gridwork:finding_file": Row(
        expect=_table({400: VIEWERS}),
        method="post",
        inside=lambda world, principal: _finding_kwargs(world.objects["day_in"]),
        outside=lambda world, principal: _finding_kwargs(world.objects["day_out"]),
        outside_expect=OUTSIDE,
        sibling=lambda world, principal: _finding_kwargs(world.objects["day_sibling"][principal]),
    ),
}
