"""Petition deadlines on the real Chinese calendar (National Day 2025: Oct 1–8 off, Sat Oct 11 worked)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.services import calendar_seed
from petitions import deadlines
from petitions.models import Deadline, Klass
from tests.petitions import factories

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def calendar():
    calendar_seed(first_year=2025, last_year=2025)


def at(*args):
    return dt.datetime(*args, tzinfo=SH)


def test_general_resolution_skips_national_day_and_counts_the_swapped_saturday(tree):
    p = factories.petition(region=tree.grid_a)
    # Tue 30 Sep 16:00 + 10 working days (75 h): 1.5 h on Sep 30; Oct 9, 10, 11 (swapped Saturday),
    # 13–17 and 20 are nine full days (67.5 h); the last 6 h end on Tue Oct 21 at 16:00.
    d = deadlines.start(p, Deadline.Kind.RESOLVE, at(2025, 9, 30, 16, 0), days=10)
    assert d.due_at == at(2025, 10, 21, 16, 0)
    # Warning at 80 % (8 days = 60 h): 1.5 h + Oct 9–11 and 13–16 (52.5 h) + 6 h on Fri Oct 17 → 16:00.
    assert d.warn_at == at(2025, 10, 17, 16, 0)
    assert p.resolve_by == d.due_at


def test_routine_acceptance_within_one_working_hour_over_lunch_and_holiday(tree):
    p = factories.petition(region=tree.grid_a)
    policy = deadlines.policy_for(Klass.ROUTINE, p.category_id)
    assert float(policy.accept_hours) == 1 and float(policy.resolve_days) == 1
    # 11:30 + 1 working hour: 30 min before lunch, 30 min after 13:30 → 14:00.
    assert deadlines.start(p, Deadline.Kind.ACCEPT, at(2025, 9, 29, 11, 30), hours=1).due_at == at(2025, 9, 29, 14, 0)
    # Filed on a holiday (Oct 3): the clock starts on Oct 9 at 08:30.
    assert deadlines.start(p, Deadline.Kind.ACCEPT, at(2025, 10, 3, 10, 0), hours=1).due_at == at(2025, 10, 9, 9, 30)


def test_pause_shifts_running_deadlines_by_the_working_time_paused(tree):
    p = factories.petition(region=tree.grid_a)
    deadlines.stop_all(p, at(2025, 9, 30, 16, 0))
    deadlines.start(p, Deadline.Kind.RESOLVE, at(2025, 9, 30, 16, 0), days=10)
    deadlines.pause(p, at(2025, 10, 13, 10, 0))
    # Paused Mon 10:00 → Wed 10:00: two working days (15 h); the due time moves two working days on.
    deadlines.resume(p, at(2025, 10, 15, 10, 0))
    d = p.deadlines.get(kind=Deadline.Kind.RESOLVE, met_at__isnull=True)
    assert d.due_at == at(2025, 10, 23, 16, 0)
    assert d.paused_at is None


def test_admin_policy_per_category_wins_over_the_default(tree):
    from petitions.models import Category, DeadlinePolicy

    road = Category.objects.get(code="road")
    DeadlinePolicy.objects.create(klass=Klass.GENERAL, accept_hours=2, update_days=3, resolve_days=5)
    DeadlinePolicy.objects.create(klass=Klass.GENERAL, category=road, accept_hours=1, resolve_days=3)
    assert float(deadlines.policy_for(Klass.GENERAL, road.pk).resolve_days) == 3
    other = Category.objects.get(code="noise")
    assert float(deadlines.policy_for(Klass.GENERAL, other.pk).resolve_days) == 5
