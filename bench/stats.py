"""Summary statistics of repeated measurements (no numpy: the harness runs on the project's venv)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    p95: float
    min: float
    max: float
    mean: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        values = list(values)
        return cls(
            n=len(values),
            median=percentile(values, 50),
            p95=percentile(values, 95),
            min=min(values),
            max=max(values),
            mean=sum(values) / len(values),
        )

    def scaled(self, factor: float) -> Summary:
        """The same summary in another unit (e.g. seconds × 1000 → milliseconds)."""
        return Summary(self.n, *(getattr(self, f) * factor for f in ("median", "p95", "min", "max", "mean")))

    def as_dict(self) -> dict:
        return asdict(self)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator
