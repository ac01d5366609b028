"""The benchmark's reports seeder after the bulk petitions: working minutes filled, the rollups
built and equal to the raw aggregate; and the export/KPI cases' period arithmetic and byte digest."""

import datetime as dt
from dataclasses import asdict

import pytest
from django.db import connection

from bench.cases.export import Digest, full_months
from bench.scales import BenchScale
from bench.seeders import petitions as petitions_seeder
from bench.seeders import reports as seeder
from petitions.models import Petition
from reports.models import MonthlyRollup
from reports.selectors import kpis, kpis_fresh
from tests.grids import factories as grid_factories

ANCHOR = dt.datetime(2026, 6, 30, 8, 0, tzinfo=dt.UTC)
N = 5_000


@pytest.mark.django_db
def test_rollups_after_the_bulk_load_equal_the_raw_aggregate(tree):
    with connection.cursor() as cursor:
        petitions_seeder.seed(cursor.connection, scale=BenchScale("test", "", N), anchor=ANCHOR, log=lambda _: None)
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert Petition.objects.filter(replied_at__isnull=False, work_minutes_to_reply__isnull=True).exists()

    rows = seeder.seed(None, scale=BenchScale("test", "", N), anchor=ANCHOR, log=lambda _: None)

    replied = Petition.objects.filter(replied_at__isnull=False)
    assert rows["petitions_petition"] == replied.count() > 0
    assert not replied.filter(work_minutes_to_reply__isnull=True).exists()
    assert rows["reports_monthlyrollup"] == MonthlyRollup.objects.count() > 0
    user = grid_factories.user(role="district_staff", region=tree.district)
    start, end = full_months(ANCHOR, 12)
    for split in (None, "region", "category", "channel", "unit"):
        rolled = kpis(user=user, region=tree.district, start=start, end=end, split=split)
        fresh = kpis_fresh(user=user, region=tree.district, start=start, end=end, split=split)
        assert asdict(rolled.total) == asdict(fresh.total)
        assert {r.key: asdict(r.figures) for r in rolled.rows} == {r.key: asdict(r.figures) for r in fresh.rows}
    assert 0 < rolled.total.collected < N


def test_city_scale_leaves_working_minutes_empty():
    assert seeder.FILL_WORK_MINUTES == {"mini": True, "district": True, "city": False}


def test_full_months_are_in_shanghai_time():
    # 30 June 16:30 UTC is 1 July 00:30 in Shanghai: June is the latest full month.
    anchor = dt.datetime(2026, 6, 30, 16, 30, tzinfo=dt.UTC)
    assert full_months(anchor, 12) == (dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    assert full_months(anchor, 1) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert full_months(dt.datetime(2026, 1, 15, tzinfo=dt.UTC), 12) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_digest_skips_the_bom_and_header_split_across_pieces():
    http, copy = Digest(skip_header=True), Digest(skip_header=False)
    for piece in (b"\xef\xbb\xbfcode,fi", b"led\r\nZH1,2026\n", b"ZH2,2026\n"):
        http.update(piece)
    copy.update(b"ZH1,2026\nZH2,2026\n")
    assert http.hash.hexdigest() == copy.hash.hexdigest()
    assert http.size == 33 and copy.size == 18
    other = Digest(skip_header=False)
    other.update(b"ZH1,2026\nZH3,2026\n")
    assert other.hash.hexdigest() != copy.hash.hexdigest()
