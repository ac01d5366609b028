"""The harness's statistics: the figures in bench/results/ are only as good as these."""

import pytest

from bench.stats import Summary, percentile, ratio


def test_percentile_interpolates_between_closest_ranks():
    values = [15, 20, 35, 40, 50]
    assert percentile(values, 0) == 15
    assert percentile(values, 50) == 35
    assert percentile(values, 100) == 50
    assert percentile(values, 40) == pytest.approx(29.0)  # numpy.percentile(values, 40)
    assert percentile(values, 95) == pytest.approx(48.0)


def test_percentile_ignores_order_and_rejects_nonsense():
    assert percentile([3, 1, 2], 50) == 2
    assert percentile([7.5], 95) == 7.5
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_summary_of_samples():
    summary = Summary.of([float(v) for v in range(1, 101)])  # 1 … 100
    assert (summary.n, summary.min, summary.max) == (100, 1.0, 100.0)
    assert summary.median == pytest.approx(50.5)
    assert summary.p95 == pytest.approx(95.05)
    assert summary.mean == pytest.approx(50.5)
    assert summary.scaled(1000).p95 == pytest.approx(95050)


def test_ratio_needs_both_sides():
    assert ratio(3.0, 1.5) == 2.0
    assert ratio(None, 2.0) is None
    assert ratio(1.0, 0.0) is None
