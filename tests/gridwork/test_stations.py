"""Self-governance stations: activities, the participation rate, a member filing for the station."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from gridwork import selectors, services
from gridwork.models import Household, Station, StationActivity, StationMember
from petitions.models import Channel, Petition
from tests.grids import factories as grid_factories
from tests.petitions import factories as petition_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(tree):
    made = services.station_save(station=Station(compound=tree.compound_a, name="清川佳园居民自治互助站"))
    for building, members in (("1", 3), ("2", 4), ("3", 3)):
        Household.objects.create(
            compound=tree.compound_a, region_path=tree.compound_a.path, building=building, room="101", members=members
        )
    return made


def test_the_participation_rate_by_hand(tree, station):
    resident = grid_factories.user(role="resident", region=tree.compound_a)
    StationMember.objects.create(station=station, user=resident, name="陈秀英", post="站长")
    StationMember.objects.create(station=station, name="林国强")
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    found = selectors.station_get(user=staff, pk=station.pk)
    assert (found.member_count, found.residents, selectors.participation_rate(found)) == (2, 10, 20.0)
    page = selectors.station_list(user=staff)
    assert [s.pk for s in page.items] == [station.pk] and page.items[0].residents == 10


def test_activities_are_recorded_with_rules(tree, station):
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    activity = services.station_activity_record(
        user=staff, station=station, date=timezone.localdate(), title="楼道大扫除", participants=15
    )
    assert activity.recorded_by == staff
    for change, field in [
        ({"date": timezone.localdate() + dt.timedelta(days=1)}, "date"),
        ({"title": " "}, "title"),
        ({"participants": -3}, "participants"),
    ]:
        values = {"date": timezone.localdate(), "title": "义修", "participants": 3, **change}
        with pytest.raises(DomainError) as refused:
            services.station_activity_record(user=staff, station=station, **values)
        assert refused.value.field == field
    with pytest.raises(DomainError):  # the grid leader's scope is the grid, not the compound
        services.station_activity_record(user=leader, station=station, date=timezone.localdate(), title="义修")
    assert StationActivity.objects.count() == 1


def test_a_member_files_for_the_station_and_others_cannot(client, tree, station):
    resident = grid_factories.user(role="resident", region=tree.compound_a)
    StationMember.objects.create(station=station, user=resident, name="陈秀英")
    url = reverse("gridwork:station_file", kwargs={"pk": station.pk})
    client.force_login(resident)
    home = client.get(reverse("accounts:role_home", kwargs={"role": "resident"})).content.decode()
    assert url in home
    typed = {"category": petition_factories.category("greenery").pk, "title": "树枝挡住路灯", "description": ""}
    refused = client.post(url, typed)
    assert refused.status_code == 400 and "树枝挡住路灯" in refused.content.decode()
    typed["description"] = "主干道香樟树枝太长，挡住了路灯。"
    done = client.post(url, typed)
    assert done.status_code == 200 and 'data-testid="tracking-code"' in done.content.decode()
    petition = Petition.objects.get()
    assert (petition.channel, petition.region_id, petition.reporter) == (
        Channel.SELF_GOVERNANCE,
        tree.compound_a.pk,
        resident,
    )
    stranger = grid_factories.user(role="resident", region=tree.compound_a)
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    with pytest.raises(DomainError):
        services.station_file(
            user=stranger, station=station, category=petition_factories.category(), title="t", description="d"
        )


def test_pages_and_scope(client, tree, station):
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    other = grid_factories.user(role="community_staff", region=tree.community_a2)
    client.force_login(staff)
    assert client.get(reverse("gridwork:station_list")).status_code == 200
    url = reverse("gridwork:station_activity_new", kwargs={"pk": station.pk})
    assert client.post(url, {"date": timezone.localdate().isoformat(), "title": ""}).status_code == 400
    assert (
        client.post(url, {"date": timezone.localdate().isoformat(), "title": "义诊", "participants": 9}).status_code
        == 302
    )
    client.force_login(other)
    assert client.get(reverse("gridwork:station_detail", kwargs={"pk": station.pk})).status_code == 404
    assert client.post(url, {}).status_code == 404


def test_the_station_list_costs_fixed_queries(client, tree, station, django_assert_num_queries):
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    url = reverse("gridwork:station_list")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200
    for index in range(30):
        made = services.station_save(station=Station(compound=tree.compound_a, name=f"互助站{index}"))
        StationMember.objects.create(station=made, name=f"成员{index}")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).context["page"].has_more


LIST_QUERIES = 7
