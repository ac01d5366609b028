import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers import matching, services
from volunteers.models import Signup

SATURDAY = 5


def _next_saturday(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=2)
    day += dt.timedelta(days=(SATURDAY - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def coordinator(tree):
    return grid_factories.user(role="volunteer_coordinator", region=tree.street_a)


@pytest.fixture
def opportunity(tree, coordinator):
    start = _next_saturday(9)
    return services.opportunity_create(
        user=coordinator,
        title="社区急救演练",
        region=tree.compound_a,
        service_type=factories.service_type(),
        skills=["急救", "护理"],
        start=start,
        end=start + dt.timedelta(hours=2),
        places=3,
        insurance_required=True,
    )


def _person(tree, coordinator, *, region=None, skills=("急救",), day=SATURDAY, hours=(8, 12), insured=True, types=None):
    return factories.volunteer(
        region=region or tree.community_a,
        actor=coordinator,
        skills=list(skills),
        types=types,
        availability=[services.Window(day, dt.time(hours[0]), dt.time(hours[1]))],
        insured_until=timezone.localdate() + dt.timedelta(days=60) if insured else None,
    )


def test_hard_filters(tree, coordinator, opportunity):
    good = _person(tree, coordinator)
    _person(tree, coordinator, types=[factories.service_type("study", "助学")])  # other service type
    _person(tree, coordinator, skills=("绘画",))  # no skill asked for
    _person(tree, coordinator, day=SATURDAY - 1)  # free on Friday only
    _person(tree, coordinator, hours=(14, 17))  # free on Saturday afternoon only
    _person(tree, coordinator, insured=False)
    _person(tree, coordinator, region=tree.community_b)  # another street
    busy = _person(tree, coordinator)
    elsewhere = services.opportunity_create(
        user=coordinator,
        title="别处",
        region=tree.community_a,
        service_type=factories.service_type(),
        start=opportunity.during.lower + dt.timedelta(hours=1),
        end=opportunity.during.upper + dt.timedelta(hours=1),
        places=1,
    )
    services.signup_create(volunteer=busy, opportunity=elsewhere)
    assert list(matching.eligible(opportunity)) == [good]


def test_ranking_explains_itself(tree, coordinator, opportunity, english):
    both = _person(tree, coordinator, skills=("急救", "护理"), region=tree.compound_a)
    one = _person(tree, coordinator, skills=("急救",), region=tree.community_a2)
    ranked = matching.suggestions(opportunity)
    assert [s.volunteer for s in ranked] == [both, one]
    assert ranked[0].score > ranked[1].score
    assert "Has 2 of 2 skills asked for" in ranked[0].reasons[0]
    assert "Lives where the opportunity is" in ranked[0].reasons
    assert "Lives in the same street" in ranked[1].reasons


def test_fairness_prefers_fewer_recent_signups(tree, coordinator, opportunity):
    rested = _person(tree, coordinator)
    tired = _person(tree, coordinator)
    for hours in (24 * 20, 24 * 30):  # booked well after the drill, so still free for it
        other = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=hours)
        services.signup_create(volunteer=tired, opportunity=other)
    ranked = matching.suggestions(opportunity)
    assert [s.volunteer for s in ranked] == [rested, tired]


def test_suggestions_are_one_query(tree, coordinator, opportunity, django_assert_num_queries):
    for _ in range(4):
        _person(tree, coordinator)
    with django_assert_num_queries(1):
        assert len(matching.suggestions(opportunity)) == 4


def test_assignment_beats_greedy_where_greedy_is_shortsighted():
    table = np.array([[10.0, 9.0], [8.0, 0.0]])
    assert matching.total(table, matching.greedy(table)) == 10
    assert matching.total(table, matching.assign(table)) == 17


@pytest.mark.parametrize("seed", range(20))
def test_assignment_never_loses_to_greedy(seed):
    rng = np.random.default_rng(seed)
    table = rng.integers(1, 100, size=(rng.integers(1, 30), rng.integers(1, 30))).astype(float)
    table[rng.random(table.shape) < 0.6] = 0  # most pairs not eligible
    best = matching.assign(table)
    assert matching.total(table, best) >= matching.total(table, matching.greedy(table))
    assert len({r for r, _ in best}) == len(best) and len({c for _, c in best}) == len(best)
    assert all(table[r, c] > 0 for r, c in best)


def test_batch_fill_books_each_volunteer_once(tree, coordinator, opportunity):
    people = [_person(tree, coordinator) for _ in range(2)]
    start = opportunity.during.lower
    same_time = services.opportunity_create(
        user=coordinator,
        title="同一时间",
        region=tree.compound_a,
        service_type=factories.service_type(),
        start=start,
        end=start + dt.timedelta(hours=1),
        places=2,
    )
    booked = services.opportunity_batch_fill(user=coordinator, opportunities=[opportunity, same_time])
    assert len(booked) == 2
    assert sorted(s.volunteer_id for s in booked) == sorted(p.pk for p in people)
    assert Signup.objects.filter(invited_by=coordinator).count() == 2
