"""A household's head and a station's members are masked on every page; those who need them reveal
them in one POST, and every reveal is logged in ``core.PersonalDataReveal``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import PersonalDataReveal
from gridwork import services
from gridwork.models import Household, Station, StationMember
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(tree):
    return Household.objects.create(
        compound=tree.compound_a,
        grid=tree.grid_a,
        region_path=tree.grid_a.path,
        building="1",
        room="101",
        head_name="王建国",
        phone="13912340001",
    )


def test_the_head_of_household_is_masked_until_revealed_and_each_reveal_is_logged(client, tree, household):
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    client.force_login(leader)
    page = client.get(reverse("gridwork:household_detail", kwargs={"pk": household.pk})).content.decode()
    assert "王建国" not in page and "13912340001" not in page and 'data-testid="reveal"' in page
    url = reverse("gridwork:household_reveal", kwargs={"pk": household.pk})
    shown = client.post(url, REMOTE_ADDR="10.1.2.3").content.decode()
    assert "王建国" in shown and "13912340001" in shown
    client.post(url)
    logged = PersonalDataReveal.objects.filter(object_type="gridwork.household", object_id=household.pk)
    assert logged.count() == 2 and logged.filter(user=leader, fields="head_name,phone", ip_address="10.1.2.3").exists()
    # The page itself stays masked afterwards.
    assert (
        "王建国" not in client.get(reverse("gridwork:household_detail", kwargs={"pk": household.pk})).content.decode()
    )


def test_a_leader_of_another_grid_cannot_reveal(client, tree, household):
    other = grid_factories.user(role="grid_leader", region=tree.grid_a2)
    client.force_login(other)
    assert client.post(reverse("gridwork:household_reveal", kwargs={"pk": household.pk})).status_code == 404
    assert not PersonalDataReveal.objects.exists()


def test_station_members_are_revealed_by_the_office_one_log_row_each(client, tree):
    station = services.station_save(station=Station(compound=tree.compound_a, name="清川佳园互助站"))
    members = [StationMember.objects.create(station=station, name=name) for name in ("陈秀英", "赵德明")]
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    client.force_login(leader)
    page = client.get(reverse("gridwork:station_detail", kwargs={"pk": station.pk})).content.decode()
    assert "陈秀英" not in page and 'data-testid="reveal"' not in page
    url = reverse("gridwork:station_reveal", kwargs={"pk": station.pk})
    assert client.post(url).status_code == 404  # grid leaders see stations, not members' names
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    assert (
        'data-testid="reveal"'
        in client.get(reverse("gridwork:station_detail", kwargs={"pk": station.pk})).content.decode()
    )
    shown = client.post(url).content.decode()
    assert "陈秀英" in shown and "赵德明" in shown
    logged = PersonalDataReveal.objects.filter(object_type="gridwork.stationmember", user=staff)
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(m.pk for m in members)
    outsider = grid_factories.user(role="community_staff", region=tree.community_b)
    client.force_login(outsider)
    assert client.post(url).status_code == 404
