"""The reports' derived data for the bulk petitions: working minutes and the monthly rollups.

Runs after ``petitions`` through the project's own services, exactly what an operator runs after a
bulk load (``manage.py reports_rebuild``): ``reports.services.work_minutes_fill()`` (the petitions
seeder leaves ``work_minutes_to_reply`` empty) and ``reports.services.rollup_refresh(all_months=True)``
(one transaction per month, each deleting the month's old rows first, so a rerun replaces them).

At city scale the working minutes are left NULL (``FILL_WORK_MINUTES``): filling them rewrites
every replied row of a 23 GB table (an ``UPDATE`` of ~9.7 M rows plus the vacuum after it), which
takes longer than the rest of the city's reports seeding together. The KPI figures still compare
like with like: the dashboard's average working time and the bare aggregate both count only items
that have the figure (none, at the city).
"""

from __future__ import annotations

import time

NAME = "reports"
VERSION = 1
FILL_WORK_MINUTES = {"mini": True, "district": True, "city": False}


def seed(conn, *, scale, anchor, log) -> dict[str, int]:
    # The services use Django's own connection (the harness set Django up on this database); each
    # month commits on its own. ``conn`` only records the marker afterwards.
    from reports import services

    rows: dict[str, int] = {}
    if FILL_WORK_MINUTES.get(scale.name, True):
        started = time.monotonic()
        filled = services.work_minutes_fill()
        log(f"  working minutes filled: {filled:,} items in {time.monotonic() - started:.0f} s")
        rows["petitions_petition"] = filled
    else:
        log("  working minutes left NULL at this scale (see bench/seeders/reports.py)")
    started = time.monotonic()
    result = services.rollup_refresh(all_months=True, now=anchor)
    log(f"  rollups: {len(result['months'])} months, {result['rows']:,} rows in {time.monotonic() - started:.0f} s")
    rows["reports_monthlyrollup"] = result["rows"]
    return rows
