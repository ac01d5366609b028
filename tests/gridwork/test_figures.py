"""Grid work's dashboard section: every figure checked by hand on a small known set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from gridwork import figures, selectors, services
from gridwork.models import FieldDay, Household, Reception, ServiceCentre, Station, StationMember, Visit
from tests.grids import factories as grid_factories
from tests.gridwork import factories
from tests.petitions import factories as petition_factories

pytestmark = pytest.mark.django_db

# December 2026: Tuesday 1st … Thursday 31st; "today" is the 9th, so the weeks so far are those of
# Mon 30 Nov and Mon 7 Dec (two).
START, END, TODAY = dt.date(2026, 12, 1), dt.date(2026, 12, 31), dt.date(2026, 12, 9)


def _day(leader, grid, date):
    FieldDay.objects.create(leader=leader, grid=grid, region_path=grid.path, date=date, hours=3)


def test_figures_by_hand(tree, settings):
    settings.GRIDWORK_FIELD_DAYS_PER_WEEK = 3
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    wang = grid_factories.user(role="grid_leader", region=tree.grid_a)
    chen = grid_factories.user(role="grid_leader", region=tree.grid_a2)
    far = grid_factories.user(role="grid_leader", region=tree.grid_b)  # another street
    # Wang: week 1 four days (capped at 3), week 2 one day (plus a second grid visit on the same date).
    for day in (1, 2, 3, 4, 8):
        _day(wang, tree.grid_a, dt.date(2026, 12, day))
    _day(wang, tree.grid_a2, dt.date(2026, 12, 8))
    _day(chen, tree.grid_a2, dt.date(2026, 12, 2))  # Chen: one day
    _day(chen, tree.grid_a2, dt.date(2026, 11, 20))  # before the period
    _day(far, tree.grid_b, dt.date(2026, 12, 2))  # outside the region
    # credited = min(4,3) + min(1,3) + 1 = 5 of 2 leaders × 2 weeks × 3 = 12 → 41.7%
    houses = [
        Household.objects.create(compound=tree.compound_a, region_path=tree.compound_a.path, building="1", room=str(r))
        for r in range(4)
    ]
    for house, date in [(houses[0], 3), (houses[0], 5), (houses[1], 9)]:
        Visit.objects.create(
            household=house,
            region_path=house.region_path,
            visited_on=dt.date(2026, 12, date),
            visitor=staff,
            outcome="好",
        )
    Visit.objects.create(
        household=houses[2],
        region_path=houses[2].region_path,
        visited_on=dt.date(2026, 11, 30),
        visitor=staff,
        outcome="好",
    )
    # visit rate: houses 0 and 1 of 4 → 50%
    meeting = factories.meeting(user=staff, region=tree.community_a, resolutions=["甲", "乙", "丙"], days_ago=0)
    meeting.date = dt.date(2026, 12, 5)
    meeting.save(update_fields=["date"])
    services.resolution_file(user=staff, resolution=meeting.resolutions.first(), category=petition_factories.category())
    # follow-through: 1 of 3 → 33.3%
    centre = ServiceCentre.objects.create(
        region=tree.community_a, region_path=tree.community_a.path, name="中心", address="一楼"
    )
    at = dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC)
    for referred in ("", "", "区住建局"):
        Reception.objects.create(
            centre=centre,
            region_path=centre.region_path,
            question="问",
            referred_to=referred,
            answered_by=staff,
            asked_at=at,
        )
    # stations: one in compound A with 2 members; the register there holds 4 households of 1 member → 50%
    station = services.station_save(station=Station(compound=tree.compound_a, name="互助站"))
    StationMember.objects.create(station=station, name="甲")
    StationMember.objects.create(station=station, name="乙")
    found = selectors.grid_figures(region=tree.street_a, start=START, end=END, today=TODAY)
    assert (found.station_members, found.station_residents, found.participation) == (2, 4, 50.0)
    assert (found.field_days, found.credited_days, found.leaders, found.weeks) == (7, 5, 2, 2)
    assert (found.compliance, found.visit_rate, found.follow_through, found.referral_rate) == (41.7, 50.0, 33.3, 33.3)
    assert (found.meetings, found.resolutions, found.receptions) == (1, 3, 3)
    narrow = selectors.grid_figures(region=tree.grid_a2, start=START, end=END, today=TODAY)
    assert (narrow.field_days, narrow.leaders, narrow.households, narrow.meetings) == (2, 1, 0, 0)


def test_the_section_on_the_dashboard(client, tree):
    street = grid_factories.user(role="street_staff", region=tree.street_a)
    made = figures.section(user=street, region=tree.street_a, start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 1))
    assert made.key == "gridwork" and {f.key for f in made.figures} >= {"field_day_compliance", "visit_rate"}
    assert all(f.definition for f in made.figures)
    outsider = grid_factories.user(role="street_staff", region=tree.street_b)
    assert figures.section(user=outsider, region=tree.street_a, start=START, end=START) is None
    client.force_login(street)
    page = client.get(reverse("reports:dashboard"), {"region": tree.street_a.pk})
    assert 'data-testid="section-gridwork"' in page.content.decode()


def test_the_breakdown_adds_up_to_the_totals(tree):
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    wang = grid_factories.user(role="grid_leader", region=tree.grid_a)
    far = grid_factories.user(role="grid_leader", region=tree.grid_b)
    for day in (1, 2, 8):
        _day(wang, tree.grid_a, dt.date(2026, 12, day))
    _day(far, tree.grid_b, dt.date(2026, 12, 2))
    factories.meeting(user=staff, region=tree.community_a, days_ago=0)
    district = tree.street_a.parent
    children = selectors.grid_figures_by_child(region=district, start=START, end=END, today=TODAY)
    total = selectors.grid_figures(region=district, start=START, end=END, today=TODAY)
    a, b = children[tree.street_a.path], children[tree.street_b.path]
    assert (a.field_days, b.field_days, total.field_days) == (3, 1, 4)
    assert (a.credited_days + b.credited_days, total.credited_days) == (4, 4)
    assert (a.leaders, b.leaders, a.compliance, b.compliance) == (1, 1, 50.0, 16.7)  # 3 of 6, 1 of 6
    street = selectors.grid_figures_by_child(region=tree.community_a, start=START, end=END)
    assert street["self"].meetings == 1  # the meeting was held at the community itself


def test_the_dashboard_page_drills_down_in_fixed_queries(client, tree, django_assert_num_queries):
    street = grid_factories.user(role="street_staff", region=tree.street_a)
    client.force_login(street)
    url = reverse("gridwork:dashboard")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        page = client.get(url)
    assert page.status_code == 200 and page.context["region"] == tree.street_a
    assert [child for child, _f in page.context["rows"]] == [tree.community_a, tree.community_a2]
    wang = grid_factories.user(role="grid_leader", region=tree.grid_a)
    for day in range(1, 6):
        _day(wang, tree.grid_a, dt.date(2026, 11, day))
    # From the community down, one more statement: compliance by grid leader.
    with django_assert_num_queries(DASHBOARD_QUERIES + 1):
        page = client.get(url, {"region": tree.community_a.pk, "start": "2026-11-01", "end": "2026-11-30"})
    assert page.context["totals"].field_days == 5
    assert client.get(url, {"start": "2026-12-01", "end": "2026-11-01"}).status_code == 400
    assert client.get(url, {"region": tree.street_b.pk}).status_code == 400  # outside: like one that does not exist
    assert client.get(url, {"region": 999999999}).status_code == 400


DASHBOARD_QUERIES = 14  # 11 for grid work, 3 on the reports rollups (petition figures)


def test_compliance_by_grid_leader(tree, client):
    wang = grid_factories.user(username="wang", role="grid_leader", region=tree.grid_a)
    chen = grid_factories.user(username="chen", role="grid_leader", region=tree.grid_a2)
    for day in (1, 2, 3, 4, 8):  # 3 + 1 credited of 6
        _day(wang, tree.grid_a, dt.date(2026, 12, day))
    found = selectors.leader_compliance(region=tree.community_a, start=START, end=dt.date(2026, 12, 9))
    assert [(f.name, f.field_days, f.credited_days, f.compliance) for f in found] == [
        ("chen", 0, 0, 0.0),
        ("wang", 5, 4, 66.7),
    ]
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    page = client.get(reverse("gridwork:dashboard"), {"start": "2026-12-01", "end": "2026-12-09"})
    assert [f.name for f in page.context["leaders"]] == ["chen", "wang"]
    assert 'data-testid="by-leader"' in page.content.decode() and chen.username in page.content.decode()
