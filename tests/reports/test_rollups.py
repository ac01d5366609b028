"""The rollups equal a fresh aggregate over the petitions, before and after items change, and the
refresh recomputes exactly the months whose items changed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import WorkingDay
from petitions import services as petition_services
from petitions.models import Evaluation, Petition
from reports import selectors, services, tasks
from reports.models import MonthlyRollup, RollupState
from tests.grids import factories as grid_factories
from tests.reports.dataset import MONTH, NEXT, PREVIOUS

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
SPLITS = [None, "region", "category", "channel", "unit"]
KEY = ("month", "region_id", "dim", "category_id", "channel", "unit_id")


def _assert_rollups_equal_fresh(tree, periods) -> int:
    user = grid_factories.user(role="district_staff", region=tree.district)
    regions = [tree.district, tree.street_a, tree.street_b, tree.community_a, tree.compound_b, tree.grid_a]
    compared = 0
    for region in regions:
        for start, end in periods:
            for split in SPLITS:
                rolled = selectors.kpis(user=user, region=region, start=start, end=end, split=split)
                fresh = selectors.kpis_fresh(user=user, region=region, start=start, end=end, split=split)
                assert rolled.total == fresh.total, (region.name, start, end, split)
                assert rolled.by_key() == fresh.by_key(), (region.name, start, end, split)
                assert [r.label for r in rolled.rows] == [r.label for r in fresh.rows]
                compared += 1
    return compared


PERIODS = [(MONTH, MONTH), (PREVIOUS, MONTH), (PREVIOUS, NEXT), (NEXT, NEXT)]


def test_rollups_equal_the_fresh_aggregate_for_every_region_period_and_split(known):
    assert _assert_rollups_equal_fresh(known.tree, PERIODS) == 6 * 4 * 5
    # and the fresh aggregate has the hand-computed figures too (test_figures checks the rollups)
    user = grid_factories.user(role="district_staff", region=known.tree.district)
    fresh = selectors.kpis_fresh(user=user, region=known.tree.district, start=MONTH, end=MONTH)
    assert (fresh.total.collected, fresh.total.first_time, fresh.total.on_time, fresh.total.evaluated) == (9, 5, 5, 5)


def test_a_refresh_after_changes_recomputes_the_changed_months_only(known):
    items, tree = known.items, known.tree
    staff = known.staff
    before = MonthlyRollup.objects.filter(month=PREVIOUS).values_list("pk", flat=True)
    before = set(before)
    # A5 is evaluated and closes; B1 (closed) gets another third-party evaluation; A6 is triaged.
    petition_services.petition_evaluate(petition=items["A5"], rating=Evaluation.Rating.SATISFIED, source="resident")
    petition_services.petition_evaluate(
        petition=items["B1"], rating=Evaluation.Rating.BASIC, source=Evaluation.Source.THIRD_PARTY, by=staff
    )
    petition_services.petition_triage(user=staff, petition=items["A6"], klass="general", unit=tree.unit_a)

    result = services.rollup_refresh()

    assert result["months"] == [MONTH.isoformat()]
    assert set(MonthlyRollup.objects.filter(month=PREVIOUS).values_list("pk", flat=True)) == before  # untouched
    _assert_rollups_equal_fresh(tree, PERIODS[:2])
    user = grid_factories.user(role="district_staff", region=tree.district)
    total = selectors.kpis(user=user, region=tree.district, start=MONTH, end=MONTH).total
    # A5 now satisfied; B1's latest evaluation is basic: 2+1 satisfied, 1+1 basic, 1 unsatisfied (A8)
    assert (total.evaluated, total.satisfied, total.basic, total.unsatisfied, total.not_evaluated) == (6, 3, 2, 1, 2)
    units = selectors.kpis(user=user, region=tree.district, start=MONTH, end=MONTH, split="unit").by_key()
    assert units[str(tree.unit_a.pk)].collected == 6 and units["none"].collected == 2  # A6 routed to unit_a

    # The changes lie within the safety margin of that run, so the next run takes them again; once
    # a run is past the margin, nothing is recomputed.
    later = timezone.now() + services.CHANGE_MARGIN + dt.timedelta(minutes=1)
    assert services.rollup_refresh(now=later)["months"] == [MONTH.isoformat()]
    assert services.rollup_refresh(now=later + services.CHANGE_MARGIN + dt.timedelta(minutes=1))["months"] == []


def test_a_refresh_twice_writes_the_same_rows(known):
    first = list(MonthlyRollup.objects.order_by(*KEY).values_list(*KEY, "collected", "satisfied"))
    services.rollup_refresh(months=[MONTH, PREVIOUS])
    services.rollup_refresh(months=[MONTH])
    again = list(MonthlyRollup.objects.order_by(*KEY).values_list(*KEY, "collected", "satisfied"))
    assert again == first


def test_the_first_run_rebuilds_everything_and_sets_the_watermark(known):
    RollupState.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    result = tasks.rollup_refresh()  # the beat task, run in-process
    assert result["months"] == [PREVIOUS.isoformat(), MONTH.isoformat(), NEXT.isoformat()]
    assert RollupState.objects.get(key=services.WATERMARK).value <= timezone.now()
    assert services.rollup_refresh()["months"] == []  # nothing changed since


def test_a_month_whose_items_are_gone_is_emptied_by_a_full_rebuild(known):
    Petition.objects.filter(pk=known.items["C1"].pk).delete()
    services.rollup_refresh(all_months=True)
    assert not MonthlyRollup.objects.filter(month=NEXT).exists()


def test_one_month_is_one_insert_whatever_the_number_of_items(known):
    with CaptureQueriesContext(connection) as queries:
        rows = services.rollup_refresh_month(MONTH)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3 and statements[2].lstrip().startswith("WITH items")  # lock, delete, insert … select
    # Nine nodes hold March items. The district: totals, 3 categories, 3 channels, 3 units = 10 rows;
    # street_a and each node below it down to grid_a: 1 + 2 + 2 + 2 = 7 rows; street_b's line likewise.
    assert rows == MonthlyRollup.objects.filter(month=MONTH).count() == 10 + 4 * 7 + 4 * 7


def test_the_beat_schedule_runs_the_refresh():
    from django.conf import settings

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "reports.tasks.rollup_refresh"]
    assert len(entries) == 1 and entries[0]["schedule"] <= 600


# --- Working minutes -------------------------------------------------------------------------------


def _replied_at(tree, start: dt.datetime, end: dt.datetime) -> Petition:
    from tests.petitions import factories

    petition = factories.petition(region=tree.grid_a)
    Petition.objects.filter(pk=petition.pk).update(
        created_at=start, replied_at=end, status="replied", work_minutes_to_reply=None
    )
    return petition


def test_work_minutes_fill_matches_the_python_working_time(tree):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    cases = [
        (monday, monday.replace(day=3, hour=10), 510),  # Mon 09:00 → Tue 10:00: 3 + 4 + 1.5 hours
        (monday.replace(day=6, hour=16), monday.replace(day=9, hour=9), 120),  # Fri 16:00 → Mon 09:00
        (monday.replace(hour=12, minute=30), monday.replace(hour=13, minute=0), 0),  # lunch break
        (monday.replace(day=7, hour=9), monday.replace(day=8, hour=17), 0),  # a weekend
    ]
    items = [(_replied_at(tree, start, end), start, end, expected) for start, end, expected in cases]
    WorkingDay.objects.update_or_create(date=dt.date(2026, 3, 4), defaults={"is_working": False})  # a holiday
    holiday = _replied_at(tree, monday.replace(day=4, hour=9), monday.replace(day=5, hour=9))  # → 30 minutes
    assert services.work_minutes_fill() == 5
    for petition, start, end, expected in items:
        petition.refresh_from_db()
        assert petition.work_minutes_to_reply == expected == petition_services.work_minutes(start, end)
    holiday.refresh_from_db()
    assert holiday.work_minutes_to_reply == 30 == petition_services.work_minutes(holiday.created_at, holiday.replied_at)
    assert services.work_minutes_fill() == 0  # only empty ones are filled


def test_a_reply_records_its_working_minutes(tree):
    from tests.petitions import factories

    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    petition = petition_services.petition_self_handle(
        user=staff, petition=factories.petition(region=tree.grid_a), klass="general"
    )
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    Petition.objects.filter(pk=petition.pk).update(created_at=monday)
    petition.refresh_from_db()
    replied = petition_services.petition_reply(user=staff, petition=petition, reply="好了")
    assert replied.work_minutes_to_reply == petition_services.work_minutes(monday, replied.replied_at) > 0
    returned = petition_services.petition_triage(
        user=staff,
        petition=factories.petition(region=tree.grid_a, phone="13912340001"),
        klass="general",
        unit=tree.unit_a,
    )
    returned = petition_services.petition_return(user=staff, petition=returned, reason="不归我们管")
    assert Petition.objects.get(pk=returned.pk).return_count == 1
