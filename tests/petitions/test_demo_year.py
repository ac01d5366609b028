"""``seed_demo --scale demo``: the hand-walked items and, behind them, a year of items in bulk that
fills every month, street, category, channel and state — written as the services write them."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from petitions import bulk, timeline
from petitions.demo import CODE_PREFIX, ISSUES
from petitions.models import UNFIXED_OUTCOMES, Category, Channel, Evaluation, Event, Petition, Status
from reports.models import MonthlyRollup

CJK = re.compile(r"[\u4e00-\u9fff]")


YEAR_ITEMS = 6_000


@pytest.fixture
def seeded(db, settings):
    settings.DEMO_YEAR_ITEMS = YEAR_ITEMS
    call_command("seed_calendar", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--scale", "demo", stdout=out)
    return out.getvalue()


def test_the_demo_year(seeded):
    """One seeding (it takes a while) for every check."""
    _every_month_street_category_channel_and_state()
    _timelines_stored_as_kinds_and_read_in_english()
    _seeding_again_adds_no_items()


def _every_month_street_category_channel_and_state():
    year = Petition.objects.filter(tracking_code__regex=r"^ZH\d{8}$")
    assert year.count() == YEAR_ITEMS
    assert Petition.objects.filter(tracking_code__startswith=CODE_PREFIX).count() > 60  # the hand-walked ones
    zone = timezone.get_current_timezone()
    months = {m.astimezone(zone).date() for m in year.annotate(m=TruncMonth("created_at")).values_list("m", flat=True)}
    this_month = timezone.localdate().replace(day=1)
    assert len(months) >= 12 and this_month in months
    streets = {path.split("/")[1] for path in year.values_list("region_path", flat=True)}
    assert len(streets) == 7  # five streets and two towns
    demo_categories = Category.objects.filter(code__in={issue.category for issue in ISSUES})
    assert set(year.values_list("category", flat=True).distinct()) == set(demo_categories.values_list("pk", flat=True))
    assert {Channel.GRID, Channel.WEB, Channel.PHONE, Channel.MEETING} <= set(year.values_list("channel", flat=True))
    assert set(Status.values) <= set(Petition.objects.values_list("status", flat=True))
    assert year.filter(outcome__in=UNFIXED_OUTCOMES).exists()
    assert Evaluation.objects.filter(petition__in=year, rating="unsatisfied").exists()
    assert year.filter(escalation_count__gt=0).exists()
    # The dashboard's rollups cover every month of the year.
    rolled = set(MonthlyRollup.objects.values_list("month", flat=True))
    assert len({m for m in rolled if m >= this_month - dt.timedelta(days=365)}) >= 12


def _timelines_stored_as_kinds_and_read_in_english():
    year = Petition.objects.filter(tracking_code__regex=r"^ZH\d{8}$")
    filed = Event.objects.filter(petition__in=year, action="file")
    assert filed.count() == YEAR_ITEMS and not filed.exclude(text="").exists()
    escalated = year.filter(escalation_count__gt=0).first()
    events = list(Event.objects.filter(petition=escalated).order_by("created_at", "id"))
    assert [e.action for e in events if e.kind == Event.Kind.ESCALATION] == ["escalate"]
    merged = year.filter(status=Status.MERGED).first()
    with translation.override("en"):
        system = [line for event in events for line in timeline.system_lines(event)]
        assert any(line.startswith("Filed through ") for line in system)
        assert any(line.startswith("Overdue: ") for line in system)
        assert not [line for line in system if CJK.search(line)]
        merge_lines = [line for e in Event.objects.filter(petition=merged) for line in timeline.system_lines(e)]
        assert f"Merged into {bulk.code(int(merged.tracking_code[2:]) - 1)}." in merge_lines
    unfixed = Event.objects.filter(petition__in=year, action="close_unfixed").first()
    assert unfixed.data["outcome"] in UNFIXED_OUTCOMES and unfixed.petition.outcome == unfixed.data["outcome"]


def _seeding_again_adds_no_items():
    before = Petition.objects.count()
    call_command("seed_demo", "--scale", "demo", stdout=StringIO())
    assert Petition.objects.count() == before
