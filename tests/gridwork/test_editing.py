"""Editing the household register and a station's members on the pages: audited services, scoped,
never showing a masked name or phone in the form (empty keeps it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit import object_history
from gridwork import services
from gridwork.models import Household, Station, StationMember, Visit
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):
    return grid_factories.user(role="community_staff", region=tree.community_a)


@pytest.fixture
def household(tree, staff):
    house = Household.objects.create(
        compound=tree.compound_a,
        region_path=tree.compound_a.path,
        building="1",
        room="101",
        head_name="王建国",
        phone="13912340001",
    )
    Visit.objects.create(
        household=house, region_path=house.region_path, visited_on=timezone.localdate(), visitor=staff, outcome="好"
    )
    return house


def test_a_household_is_edited_without_showing_the_name_and_moves_its_visits(client, tree, staff, household):
    client.force_login(staff)
    url = reverse("gridwork:household_edit", kwargs={"pk": household.pk})
    page = client.get(url).content.decode()
    assert "王建国" not in page and "13912340001" not in page
    response = client.post(url, {"building": "2", "unit": "1", "room": "303", "members": "4", "grid": tree.grid_a.pk})
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.building, household.unit, household.room, household.members) == ("2", "1", "303", 4)
    assert (household.head_name, household.phone, household.region_path) == ("王建国", "13912340001", tree.grid_a.path)
    assert Visit.objects.get(household=household).region_path == tree.grid_a.path  # the visit follows
    assert any(entry.action == "household_update" for entry in object_history(household))  # audited
    client.post(
        url,
        {"building": "2", "unit": "1", "room": "303", "members": "4", "head_name": "王小明", "phone": "139 1234 0009"},
    )
    household.refresh_from_db()
    assert (household.head_name, household.phone, household.grid) == ("王小明", "13912340009", None)


def test_bad_household_edits_are_field_errors_with_the_input_kept(client, tree, staff, household):
    Household.objects.create(compound=tree.compound_a, region_path=tree.compound_a.path, building="9", room="9")
    client.force_login(staff)
    url = reverse("gridwork:household_edit", kwargs={"pk": household.pk})
    taken = client.post(url, {"building": "9", "room": "9", "members": "2"})
    assert taken.status_code == 400 and 'id="id_room_error"' in taken.content.decode()
    for bad in (
        {"building": "1", "room": "101", "members": "0"},
        {"building": "1", "room": "101", "members": "99999999999999999999"},
        {"building": "1", "room": "101", "members": "2", "grid": tree.grid_b.pk},  # another compound's grid
        {"building": "1", "room": "101", "members": "2", "phone": "12345"},
        {"building": "x" * 500, "room": "101", "members": "2"},
    ):
        response = client.post(url, bad)
        assert response.status_code == 400, bad
    household.refresh_from_db()
    assert (household.building, household.room, household.members) == ("1", "101", 1)
    # A grid leader may see the household but not edit it; another community's staff finds nothing.
    client.force_login(grid_factories.user(role="grid_leader", region=tree.compound_a))
    assert client.get(url).status_code == 404
    client.force_login(grid_factories.user(role="community_staff", region=tree.community_b))
    assert client.get(url).status_code == 404


def test_station_members_are_added_edited_and_removed(client, tree, staff):
    station = services.station_save(station=Station(compound=tree.compound_a, name="互助站"))
    member = StationMember.objects.create(station=station, name="陈秀英", post="站长")
    client.force_login(staff)
    detail = reverse("gridwork:station_detail", kwargs={"pk": station.pk})
    assert 'data-testid="member-add"' in client.get(detail).content.decode()
    added = client.post(
        reverse("gridwork:station_member_new", kwargs={"pk": station.pk}),
        {"member-name": "赵德明", "member-post": "志愿者"},
    )
    assert added.status_code == 302 and station.members.filter(name="赵德明", post="志愿者").exists()
    empty = client.post(reverse("gridwork:station_member_new", kwargs={"pk": station.pk}), {"member-post": "志愿者"})
    assert empty.status_code == 400 and "志愿者" in empty.content.decode()
    edit = reverse("gridwork:station_member_edit", kwargs={"pk": station.pk, "member_pk": member.pk})
    assert "陈秀英" not in client.get(edit).content.decode()
    assert client.post(edit, {"post": "副站长"}).status_code == 302
    member.refresh_from_db()
    assert (member.name, member.post) == ("陈秀英", "副站长")
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    assert client.post(edit, {"post": "站长", "joined_on": future}).status_code == 400
    remove = reverse("gridwork:station_member_remove", kwargs={"pk": station.pk, "member_pk": member.pk})
    assert client.post(remove).status_code == 400 and StationMember.objects.filter(pk=member.pk).exists()
    assert client.post(remove, {"confirm": "on"}).status_code == 302
    assert not StationMember.objects.filter(pk=member.pk).exists()
    # Another station's member through this station's URL, and a grid leader: 404.
    other = services.station_save(station=Station(compound=tree.compound_b, name="南苑互助站"))
    stranger = StationMember.objects.create(station=other, name="钱某")
    url = reverse("gridwork:station_member_edit", kwargs={"pk": station.pk, "member_pk": stranger.pk})
    assert client.get(url).status_code == 404
    client.force_login(grid_factories.user(role="grid_leader", region=tree.grid_a))
    assert (
        client.post(
            reverse("gridwork:station_member_new", kwargs={"pk": station.pk}), {"member-name": "某"}
        ).status_code
        == 404
    )
