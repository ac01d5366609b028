"""Case 5: the KPI dashboard of a district-year (read from the monthly rollups) against the bare
aggregate SQL over the raw rows (``reports.selectors.kpis_fresh``'s statement), and a check that
their figures are equal."""

from __future__ import annotations

from bench.cases.common import check_flat, contexts
from bench.cases.export import DISTRICT_PATH, DISTRICT_STAFF, full_months
from bench.harness import CaseResult, Context, case

RATIO = 0.5  # p95(page) ≤ 0.5 × p95(bare aggregate)
MAX_SAMPLES = 15  # the bare aggregate reads a year of a district: seconds a run at the city
ALONE = "dashboard page (rollups), in a row"


@case("kpi", title="5. KPI dashboard", order=50)
def kpi(ctx: Context) -> CaseResult:
    result = ctx.result("kpi")
    for label, c in contexts(ctx):
        start, end = full_months(c.anchor, 12)
        compared = c.django("kpis_compare", username=DISTRICT_STAFF, region_path=DISTRICT_PATH, start=start, end=end)
        staff = c.session(DISTRICT_STAFF)
        path = f"/reports/?region={compared['region_id']}&start={start:%Y-%m}&end={end:%Y-%m}"
        first = staff.get(path)
        if first.status != 200:
            raise RuntimeError(f"{path}: HTTP {first.status}")
        series = c.interleave(
            {
                "page": lambda s=staff, p=path: s.get(p).sample,
                "bare": c.bare_sql(compared["statements"]),
            },
            n=min(ctx.repeat, MAX_SAMPLES),
            warmup=1,
        )
        result.latency(f"{label}: dashboard page (rollups)", series["page"])
        result.latency(f"{label}: bare aggregate SQL (raw rows)", series["bare"])
        # For the growth to the city, the page alone and more often: beside the aggregate, each
        # sample follows seconds of raw-row reads that push the rollups out of the cache, and the p95
        # of 15 samples is their worst but one.
        alone = c.interleave({"page": lambda s=staff, p=path: s.get(p).sample}, warmup=1)["page"]
        result.latency(f"{label}: {ALONE}", alone)
        result.check_ratio(
            f"{label}: page p95 ≤ {RATIO}× bare aggregate p95",
            f"{label}: dashboard page (rollups)",
            f"{label}: bare aggregate SQL (raw rows)",
            RATIO,
        )
        splits = compared["splits"]
        unequal = [name for name, s in splits.items() if not s["equal"]]
        total = splits["total"]["collected"]
        result.check(
            f"{label}: figures equal (kpis = kpis_fresh, every split)",
            0 if unequal else 1,
            "==",
            1,
            f"{start:%Y-%m}…{end:%Y-%m}: {total['collected']:,} items collected, "
            f"{total['work_items']:,} with working minutes; splits "
            + ", ".join(f"{k} {'=' if s['equal'] else '≠'} ({s['rows']} rows)" for k, s in splits.items()),
        )
        result.figures[label] = {"path": path, "splits": splits, "differences": compared["differences"]}
    check_flat(result, ctx, [ALONE], "dashboard")
    if ctx.compare is not None:
        here, there = ctx.scale.name, ctx.compare.scale.name
        name = "bare aggregate SQL (raw rows)"
        grow = result.median(f"{here}: {name}") / result.median(f"{there}: {name}")
        result.notes.append(f"{name}: {here} median / {there} median = {grow:.2f} (the same district's rows)")
    return result
