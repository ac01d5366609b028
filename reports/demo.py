"""The reports' part of ``seed_demo``: working minutes for bulk-loaded replies, then every month's
rollups rebuilt (the petitions' demo backdates its items, which only a full rebuild sees)."""

from __future__ import annotations

from core.demo import Scale
from reports import services
from reports.models import MonthlyRollup


def seed(*, scale: Scale, stdout) -> None:
    filled = services.work_minutes_fill()
    result = services.rollup_refresh(all_months=True)
    stdout.write(
        f"reports: working minutes filled for {filled} replies; rollups rebuilt for "
        f"{len(result['months'])} months ({result['rows']} rows)."
    )


def report(*, stdout) -> None:
    stdout.write(f"Reports: {MonthlyRollup.objects.count()} monthly rollup rows.")
