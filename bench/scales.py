"""The benchmark scales: how much the project's own ``seed_demo`` builds, and how many petitions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchScale:
    name: str
    demo_scale: str  # passed to ``manage.py seed_demo --scale``
    petitions: int
    months: int = 20

    @property
    def per_year(self) -> int:
        return round(self.petitions * 12 / self.months)


SCALES = {
    # A few minutes end to end: for trying the harness and for adding a case.
    "mini": BenchScale("mini", demo_scale="2000", petitions=60_000),
    # DESIGN.md: one district files about 600,000 items a year; 20 months of them.
    "district": BenchScale("district", demo_scale="district", petitions=1_000_000),
    # Ten districts of Ningbo.
    "city": BenchScale("city", demo_scale="city", petitions=10_000_000),
}
