"""Cases 9–11: volunteers (issue 16) on the data of ``bench/seeders/volunteers.py``.

9. Suggestions for one opportunity: ``matching.suggestions`` (the hard filter, the figures the score
   needs, the score and its reasons) beside the bare SQL of its hard filter
   (``matching.hard_filter``'s statement), both in one Django process on the same connection,
   interleaved opportunity by opportunity. Target: p95 ≤ 2× the bare SQL's p95, one query. The
   coordinator's opportunity page (which shows the suggestions) is measured over HTTP beside the
   trivial page, and in a city run beside the district's (flat: ≤ 1.2×).
10. The batch "fill this week" on 500 of next week's open opportunities: the score table, SciPy's
   assignment solver and the greedy baseline on the same table. Target: the solver's total score ≥
   greedy's; the times are reported side by side.
11. The certificate PDF (reportlab, a CID font, a QR code): time per certificate.
"""

from __future__ import annotations

from bench.cases.common import STREET_PATH, check_flat, contexts
from bench.harness import CaseResult, Context, Sample, case
from bench.stats import Summary

COORDINATOR = "volunteer_coordinator"  # accounts.demo: bound to 招宝山街道 (STREET_PATH)
SUGGESTED = 20  # opportunities the suggestions are measured on
BATCH = 500


def _upcoming(ctx: Context, *, count: int, street: str | None) -> list[int]:
    """Ids of ``count`` of next week's open opportunities (in ``street`` if given), spread evenly."""
    with ctx.psql(autocommit=True) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM volunteers_opportunity WHERE status = 'open' AND lower(during) > %s "
                "AND (%s::text IS NULL OR region_path LIKE %s || '%%') ORDER BY id",
                [ctx.anchor, street, street],
            ).fetchall()
        ]
    step = max(1, len(ids) // count)
    return ids[::step][:count]


@case("volunteer_suggestions", title="9. Volunteer suggestions for one opportunity", order=90)
def volunteer_suggestions(ctx: Context) -> CaseResult:
    result = ctx.result("volunteer_suggestions")
    rounds = max(5, ctx.repeat // 10)
    ids = _upcoming(ctx, count=SUGGESTED, street=STREET_PATH)
    if not ids:
        result.notes.append("No open opportunity next week in the coordinator's street: is the seeder in?")
        result.check("the case runs", None, "==", 1)
        return result
    answer = ctx.django("volunteer_suggestions", opportunity_ids=ids, repeat=rounds)
    result.add(
        "suggestions (matching.suggestions)",
        "ms",
        [s * 1000 for s in answer["suggestions"]],
        queries=answer["queries"][0] if len(answer["queries"]) == 1 else None,
        note=f"{len(ids)} opportunities × {rounds} rounds",
    )
    result.add("bare SQL of the hard filter", "ms", [s * 1000 for s in answer["bare"]], queries=1)
    result.check_ratio(
        "p95 ≤ 2× the hard filter's bare SQL p95",
        "suggestions (matching.suggestions)",
        "bare SQL of the hard filter",
        2.0,
    )
    result.check(
        "one query per suggestion list",
        float(max(answer["queries"])),
        "==",
        1.0,
        f"query counts seen: {answer['queries']}",
    )
    counts = sorted(answer["candidates"].values())
    result.figures.update(candidates=counts, statement=answer["statement"])
    result.notes.append(
        f"Candidates meeting the hard filter per opportunity: median {Summary.of(counts).median:.0f}, "
        f"min {counts[0]}, max {counts[-1]} (the page shows the best 20)."
    )

    series = {}
    for scale, c in contexts(ctx):
        coordinator = c.session(COORDINATOR)
        pages = _upcoming(c, count=SUGGESTED, street=STREET_PATH)
        cycle = iter(pages * (ctx.repeat + 10))
        series[f"{scale}: opportunity page"] = lambda s=coordinator, i=cycle: (
            s.get(f"/volunteers/manage/opportunities/{next(i)}/").sample
        )
        series[f"{scale}: trivial html"] = lambda s=coordinator: s.get("/trivial/").sample
    statuses: set[int] = set()
    for name, values in ctx.interleave(series).items():
        statuses.update(v.status for v in values if v.status is not None)
        result.latency(name, values)
    result.check("every page answered 200", float(statuses == {200}), "==", 1.0, f"statuses: {sorted(statuses)}")
    check_flat(result, ctx, ["opportunity page"], "opportunity page")
    return result


@case("volunteer_batch", title="10. Batch: fill next week's 500 opportunities", order=100)
def volunteer_batch(ctx: Context) -> CaseResult:
    result = ctx.result("volunteer_batch")
    ids = _upcoming(ctx, count=BATCH, street=None)
    answer = ctx.django("volunteer_batch", opportunity_ids=ids, repeat=max(1, min(3, ctx.heavy_repeat)))
    result.add("score table (500 eligibility queries and scores)", "ms", [s * 1000 for s in answer["table_seconds"]])
    result.add("assignment solver (linear_sum_assignment)", "ms", [s * 1000 for s in answer["assign_seconds"]])
    result.add("greedy baseline", "ms", [s * 1000 for s in answer["greedy_seconds"]])
    result.check(
        "solver total score ≥ greedy's",
        answer["assign_total"] - answer["greedy_total"],
        ">=",
        0.0,
        f"solver {answer['assign_total']:,.0f} ({answer['assign_booked']:,} booked), "
        f"greedy {answer['greedy_total']:,.0f} ({answer['greedy_booked']:,} booked)",
    )
    result.figures.update({k: v for k, v in answer.items() if not k.endswith("_seconds")})
    result.notes.append(
        f"{answer['opportunities']:,} opportunities, {answer['slots']:,} free places × {answer['volunteers']:,} "
        f"eligible volunteers, {answer['eligible_pairs']:,} eligible pairs. Solver total "
        f"{answer['assign_total']:,.0f}, greedy {answer['greedy_total']:,.0f} "
        f"({(answer['assign_total'] / max(answer['greedy_total'], 1) - 1):+.2%})."
    )
    return result


@case("volunteer_certificate", title="11. Volunteer certificate PDF", order=110)
def volunteer_certificate(ctx: Context) -> CaseResult:
    result = ctx.result("volunteer_certificate")
    with ctx.psql(autocommit=True) as conn:
        numbers = [
            row[0]
            for row in conn.execute(
                "SELECT number FROM volunteers_certificate ORDER BY id LIMIT %s", [max(5, ctx.repeat // 5)]
            ).fetchall()
        ]
    if not numbers:
        result.check("the case runs", None, "==", 1)
        return result
    answer = ctx.django("volunteer_certificates", numbers=numbers)
    result.latency("certificate PDF", [Sample(s) for s in answer["seconds"]], note="render_pdf, one certificate")
    result.check("every certificate rendered a PDF", float(len(answer["bytes"])), "==", float(len(numbers)))
    result.figures["pdf_bytes_median"] = Summary.of(answer["bytes"]).median
    return result
