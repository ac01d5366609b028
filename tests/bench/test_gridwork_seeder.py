"""The benchmark's grid-work seeder: it loads every kind of record over the tree's grids, the
figures the dashboard reads from them are plausible, and a second run replaces its rows."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from bench.scales import BenchScale
from bench.seeders import gridwork as seeder
from gridwork import selectors
from gridwork.models import FieldDay, Household, Meeting, Reception, StationMember, Visit
from tests.grids import factories as grid_factories

SCALE = BenchScale("test", "", 0)


def _seed(anchor):
    with connection.cursor() as cursor:
        rows = seeder.seed(cursor.connection, scale=SCALE, anchor=anchor, log=lambda _: None)
        cursor.execute("SET LOCAL session_replication_role = origin")
    return rows


@pytest.mark.django_db
def test_the_seeder_loads_a_year_of_grid_work_proportionate_to_the_grids(tree):
    for grid in (tree.grid_a, tree.grid_a2, tree.grid_b):
        grid_factories.user(role="grid_leader", region=grid)
    anchor = timezone.now()
    rows = _seed(anchor)
    grids = 3
    assert rows["gridwork_household"] == Household.objects.count() == grids * seeder.HOUSEHOLDS_PER_GRID
    assert rows["gridwork_visit"] == Visit.objects.count() > grids * seeder.HOUSEHOLDS_PER_GRID * 2
    assert rows["gridwork_fieldday"] == FieldDay.objects.count()
    per_leader_week = FieldDay.objects.count() / grids / 52
    assert 2.5 < per_leader_week < 3.7  # about three days a week, on working days
    assert not FieldDay.objects.filter(date__week_day__in=(1, 7)).exists()
    assert Meeting.objects.count() == 36 * 3 and rows["gridwork_resolution"] == 72 * 3  # three communities
    assert Reception.objects.count() == 1500 * 3 and StationMember.objects.count() >= 10
    today = anchor.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    figures = selectors.grid_figures(region=tree.district, start=today - dt.timedelta(days=364), end=today)
    assert 80 < figures.compliance <= 100 and 60 < figures.visit_rate < 95
    assert 8 < figures.referral_rate < 20 and figures.leaders == grids
    again = _seed(anchor)  # a rerun removes its own rows first
    assert again["gridwork_household"] == Household.objects.count() == grids * seeder.HOUSEHOLDS_PER_GRID
