"""The benchmark's bulk petitions: the mix the docs promise, and the sweep's hand-written twin.

Seeds 20,000 items over the test tree's two grids inside the test's transaction (so the dropped
and rebuilt indexes, like the rows, vanish with it)."""

import datetime as dt

import pytest
from django.db import connection, transaction

from bench.cases.sweep import COUNTS, HAND_SQL
from bench.scales import BenchScale
from bench.seeders import petitions as seeder
from petitions.models import Deadline, Evaluation, Petition
from petitions.sweeps import sweep

ANCHOR = dt.datetime(2026, 6, 30, 8, 0, tzinfo=dt.UTC)
N = 20_000


@pytest.fixture
def seeded(tree):
    with connection.cursor() as cursor:
        indexes_before = set(_indexes(cursor))
        rows = seeder.seed(cursor.connection, scale=BenchScale("test", "", N), anchor=ANCHOR, log=lambda _: None)
        cursor.execute("SET LOCAL session_replication_role = origin")
        assert set(_indexes(cursor)) == indexes_before
    return rows


def _indexes(cursor):
    cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename LIKE 'petitions_%%'")
    return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_mix_is_as_documented(seeded):
    assert seeded["petitions_petition"] == N == Petition.objects.count()
    items = Petition.objects.all()
    open_items = items.filter(status__in=["new", "assigned", "accepted", "waiting"]).count()
    assert 0.015 < open_items / N < 0.04
    running = items.filter(status__in=["new", "assigned", "accepted"])
    assert not running.filter(next_due_at__isnull=True).exists()
    overdue = (
        Deadline.objects.filter(
            met_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True, due_at__lte=ANCHOR
        )
        .values("petition")
        .distinct()
        .count()
    )
    assert 0.03 < overdue / running.count() < 0.075
    assert not Deadline.objects.filter(petition__status="waiting", met_at__isnull=True, paused_at__isnull=True).exists()
    closed = items.filter(status="closed").count()
    evaluations = Evaluation.objects.all()
    assert 0.82 < evaluations.count() / closed < 0.88
    assert 0.88 < evaluations.filter(rating="satisfied").count() / evaluations.count() < 0.92
    first, last = items.order_by("id").first(), items.order_by("id").last()
    assert ANCHOR - dt.timedelta(days=610) < first.created_at < last.created_at <= ANCHOR
    assert not items.exclude(tracking_code__regex=r"^ZH\d{8}$").exists()
    assert items.filter(status="merged", merged_into__isnull=True).count() == 0
    assert seeded["petitions_event"] > 3 * N


@pytest.mark.django_db
def test_hand_written_sql_makes_the_sweeps_changes(seeded):
    with transaction.atomic():
        result = sweep(now=ANCHOR)
        transaction.set_rollback(True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(HAND_SQL, {"now": ANCHOR})
        counts = dict(zip(COUNTS, cursor.fetchone(), strict=True))
        transaction.set_rollback(True)
    assert result["escalated"] > 0 and result["warned"] > 0
    assert {key: result[key] for key in COUNTS} == counts
