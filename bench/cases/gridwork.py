"""Case 12: the grid dashboard (issue 15) beside the trivial page: the district, a street and a
community (the community adds compliance by grid leader) over the last twelve months, each page with
the petition figures from the reports' rollups and the charts. Target: p95 ≤ 3× the trivial page's
p95 (as the queue's); city p95 ≤ 1.2× district."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from bench.cases.common import STREET_PATH, check_flat, contexts
from bench.cases.export import DISTRICT_PATH, DISTRICT_STAFF
from bench.harness import CaseResult, Context, case

RATIO = 3.0
LEVELS = ("district", "street", "community")


def _paths(c: Context) -> dict[str, str]:
    """The dashboard's URL for the district, the demo street and that street's first community."""
    with c.psql(autocommit=True) as conn:
        district = conn.execute("SELECT id FROM grids_region WHERE path = %s", [DISTRICT_PATH]).fetchone()[0]
        street = conn.execute("SELECT id FROM grids_region WHERE path = %s", [STREET_PATH]).fetchone()[0]
        community = conn.execute(
            "SELECT id FROM grids_region WHERE parent_id = %s ORDER BY path LIMIT 1", [street]
        ).fetchone()[0]
    end = c.anchor.date()
    start = end - dt.timedelta(days=364)
    period = {"start": start.isoformat(), "end": end.isoformat()}
    return {
        level: "/gridwork/dashboard/?" + urlencode({"region": region, **period})
        for level, region in zip(LEVELS, (district, street, community), strict=True)
    }


@case("gridwork", title="12. Grid dashboard", order=120)
def gridwork(ctx: Context) -> CaseResult:
    result = ctx.result("gridwork")
    series = {}
    for scale, c in contexts(ctx):
        staff = c.session(DISTRICT_STAFF)
        paths = _paths(c)
        for level, path in paths.items():
            first = staff.get(path)
            if first.status != 200:
                raise RuntimeError(f"{path}: HTTP {first.status}")
            series[f"{scale}: dashboard, {level}"] = lambda s=staff, p=path: s.get(p).sample
        series[f"{scale}: trivial html"] = lambda s=staff: s.get("/trivial/").sample
        result.figures[scale] = {"paths": paths}
    for name, values in ctx.interleave(series).items():
        result.latency(name, values)
    here = ctx.scale.name
    for level in LEVELS:
        result.check_ratio(
            f"{level}: p95 ≤ {RATIO}× trivial page p95", f"{here}: dashboard, {level}", f"{here}: trivial html", RATIO
        )
    check_flat(result, ctx, [f"dashboard, {level}" for level in LEVELS], "grid dashboard")
    result.notes.append(
        "District staff, signed in; a year of grid work (field days, visits, meetings, receptions, stations: "
        "bench/seeders/gridwork.py) and the reports' rollups of the petitions. Two or three statements of "
        "grid work whatever the size, three on the rollups."
    )
    return result
