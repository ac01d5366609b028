"""Every figure of the reports against hand-computed numbers on the known data set (dataset.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reports import selectors
from reports.metrics import Figures, hours, percent
from tests.grids import factories as grid_factories
from tests.reports.dataset import MONTH, NEXT, PREVIOUS

pytestmark = pytest.mark.django_db


def _viewer(tree):
    return grid_factories.user(role="district_staff", region=tree.district)


def test_march_for_the_whole_district_matches_the_hand_computed_figures(known):
    tree = known.tree
    report = selectors.kpis(user=_viewer(tree), region=tree.district, start=MONTH, end=MONTH)
    assert report.total == Figures(
        collected=9,
        first_time=5,
        replied=7,
        on_time=5,
        evaluated=5,
        satisfied=2,
        basic=1,
        unsatisfied=2,
        not_evaluated=3,
        reworked=1,
        escalated=1,
        work_minutes=1170,
        work_items=6,
    )
    total = report.total
    assert total.first_time_rate == Decimal(5) / 9
    assert total.feedback_rate == Decimal(7) / 9
    assert total.on_time_rate == Decimal(5) / 7
    assert total.satisfaction_rate == Decimal("0.6")
    assert total.not_evaluated_share == Decimal(3) / 7
    assert total.rework_rate == Decimal(1) / 7
    assert total.escalation_rate == Decimal(1) / 9
    assert total.avg_work_hours == Decimal("3.25")
    shown = [
        percent(total.first_time_rate),
        percent(total.feedback_rate),
        percent(total.on_time_rate),
        percent(total.satisfaction_rate),
        percent(total.not_evaluated_share),
        percent(total.rework_rate),
        percent(total.escalation_rate),
        hours(total.avg_work_hours),
    ]
    assert shown == ["55.6%", "77.8%", "71.4%", "60.0%", "42.9%", "14.3%", "11.1%", "3.3"]


def test_each_street_and_the_split_by_child_region(known):
    tree = known.tree
    report = selectors.kpis(user=_viewer(tree), region=tree.district, start=MONTH, end=MONTH, split="region")
    rows = {row.key: row.figures for row in report.rows}
    assert set(rows) == {str(tree.street_a.pk), str(tree.street_b.pk)}  # nothing filed at the district itself
    a, b = rows[str(tree.street_a.pk)], rows[str(tree.street_b.pk)]
    assert (a.collected, a.replied, a.first_time, a.on_time) == (7, 5, 3, 4)
    assert (a.evaluated, a.satisfied, a.basic, a.unsatisfied, a.not_evaluated) == (4, 2, 1, 1, 2)
    assert (a.reworked, a.escalated, a.work_minutes, a.work_items) == (1, 1, 1080, 5)
    assert (b.collected, b.replied, b.first_time, b.on_time) == (2, 2, 2, 1)
    assert (b.evaluated, b.satisfied, b.unsatisfied, b.not_evaluated, b.reworked, b.escalated) == (1, 0, 1, 1, 0, 0)
    assert percent(a.satisfaction_rate) == "75.0%" and percent(b.satisfaction_rate) == "0.0%"
    assert a + b == report.total
    # A street's own report equals its row in the district's.
    street = selectors.kpis(user=_viewer(tree), region=tree.street_a, start=MONTH, end=MONTH)
    assert street.total == a


def test_splits_by_category_channel_and_unit(known):
    tree, user = known.tree, _viewer(known.tree)

    def split(name):
        report = selectors.kpis(user=user, region=tree.district, start=MONTH, end=MONTH, split=name)
        return {row.label if name != "category" else row.filters["category"]: row.figures for row in report.rows}

    categories = split("category")
    assert {k: f.collected for k, f in categories.items()} == {"road": 6, "street_light": 2, "water": 1}
    assert categories["road"].satisfied == 2 and categories["street_light"].unsatisfied == 1

    channels = selectors.kpis(user=user, region=tree.district, start=MONTH, end=MONTH, split="channel")
    assert {row.key: row.figures.collected for row in channels.rows} == {"grid": 1, "web": 7, "phone": 1}

    units = selectors.kpis(user=user, region=tree.district, start=MONTH, end=MONTH, split="unit")
    by_key = {row.key: row.figures for row in units.rows}
    assert {k: f.collected for k, f in by_key.items()} == {str(tree.unit_a.pk): 5, str(tree.unit_b.pk): 1, "none": 3}
    unit_a = by_key[str(tree.unit_a.pk)]  # A2, A3, A4, A5, A8
    assert (unit_a.replied, unit_a.on_time, unit_a.reworked, unit_a.evaluated) == (4, 3, 1, 3)
    assert percent(unit_a.on_time_rate) == "75.0%" and percent(unit_a.rework_rate) == "25.0%"
    assert units.rows[-1].key == "none" and units.rows[-1].filters == {"no_unit": "true"}


def test_month_boundaries_are_asia_shanghai_months(known):
    tree, user = known.tree, _viewer(known.tree)
    february = selectors.kpis(user=user, region=tree.district, start=PREVIOUS, end=PREVIOUS).total
    april = selectors.kpis(user=user, region=tree.district, start=NEXT, end=NEXT).total
    assert (february.collected, february.satisfied, february.work_minutes) == (1, 1, 45)  # B3
    assert april.collected == 1  # C1, filed at 00:00 on 1 April (16:00 on 31 March in UTC)
    both = selectors.kpis(user=user, region=tree.district, start=PREVIOUS, end=MONTH).total
    assert both.collected == 10 and both.satisfied == 3


def test_trend_lists_every_month_with_zeros_for_empty_ones(known):
    tree = known.tree
    points = selectors.trend(user=_viewer(tree), region=tree.district, start=dt.date(2026, 1, 1), end=NEXT)
    assert [(m.month, f.collected) for m, f in points] == [(1, 0), (2, 1), (3, 9), (4, 1)]


def test_rates_without_a_denominator_are_shown_as_a_dash():
    empty = Figures()
    assert empty.satisfaction_rate is None and percent(empty.satisfaction_rate) == "—"
    assert empty.avg_work_hours is None and hours(None) == "—"
