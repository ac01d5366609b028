"""Cases 7 and 8: the micro-funds (issue 17).

7. A fund's public page (``/funds/<id>/``, signed out: money in, out, balance, receipts with donors as
   consented, projects funded) for funds picked evenly over the seeded ones, beside the trivial page
   and the bare SQL sum over that fund's entries. Targets: p95 ≤ 2× the trivial page's p95; city p95
   ≤ 1.2× district.
8. The reconciliation of every fund (``funds.selectors.reconcile``, what ``manage.py funds_reconcile``
   runs) in a Django process, beside the bare aggregate over the entries (``SUM … GROUP BY
   account_id`` through psycopg), alternated in the same run. Target: ≤ 1.5× the bare aggregate.
"""

from __future__ import annotations

import itertools
import time

from bench.cases.common import STREET_STAFF, check_flat, contexts
from bench.harness import CaseResult, Context, Sample, case
from bench.seeders.funds import MARK

BARE_FUND_SUM = (
    "SELECT a.kind, sum(e.amount_fen) FROM funds_entry e JOIN funds_account a ON a.id = e.account_id "
    "WHERE a.fund_id = %s GROUP BY a.kind"
)
BARE_AGGREGATE = "SELECT account_id, sum(amount_fen) FROM funds_entry GROUP BY account_id"


def _funds(ctx: Context, count: int) -> list[int]:
    """``count`` bench funds picked evenly over their ids."""
    with ctx.psql(autocommit=True) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM funds_fund WHERE description = %s ORDER BY id", [MARK])]
    if not ids:
        raise RuntimeError("no bench funds: the funds seeder did not run")
    step = max(1, len(ids) // count)
    return ids[::step][:count]


class _Pages:
    def __init__(self, ctx: Context, ids: list[int]) -> None:
        self.session = ctx.session(None)
        self.ids = itertools.cycle(ids)
        self.errors = 0

    def __call__(self) -> Sample:
        response = self.session.get(f"/funds/{next(self.ids)}/")
        if response.status != 200:
            self.errors += 1
        return response.sample


class _BareFundSum:
    def __init__(self, ctx: Context, ids: list[int]) -> None:
        self.ctx = ctx
        self.ids = itertools.cycle(ids)

    def __call__(self) -> Sample:
        conn = self.ctx.sql_connection()
        started = time.perf_counter()
        conn.execute(BARE_FUND_SUM, [next(self.ids)]).fetchall()
        elapsed = time.perf_counter() - started
        return Sample(elapsed, db_ms=elapsed * 1000, queries=1)


@case("funds_page", title="7. A fund's public page", order=70)
def funds_page(ctx: Context) -> CaseResult:
    result = ctx.result("funds_page")
    series, pages = {}, {}
    for scale, c in contexts(ctx):
        ids = _funds(c, 200)
        pages[scale] = _Pages(c, ids)
        series[f"{scale}: fund page"] = pages[scale]
        staff = c.session(STREET_STAFF)
        series[f"{scale}: trivial html"] = lambda s=staff: s.get("/trivial/").sample
        series[f"{scale}: bare SQL sum over the fund's entries"] = _BareFundSum(c, ids)
    for name, values in ctx.interleave(series).items():
        result.latency(name, values)
    here = ctx.scale.name
    result.check_ratio("p95 ≤ 2× trivial page p95", f"{here}: fund page", f"{here}: trivial html", 2.0)
    check_flat(result, ctx, ["fund page"], "fund page")
    errors = sum(p.errors for p in pages.values())
    result.check("every page answered 200", float(errors), "==", 0.0)
    result.figures["page_over_bare_sum_p95"] = round(
        result.p95(f"{here}: fund page") / result.p95(f"{here}: bare SQL sum over the fund's entries"), 2
    )
    result.notes.append(
        "Signed-out GET of /funds/<id>/ for 200 funds picked evenly over the seeded ones (about 250 "
        "transactions, 500 entries each at every scale); the trivial page is signed in (street staff). The "
        "page's figures come from the accounts' kept balances, so it does not sum the entries: the bare "
        "sum is the cost it avoids, shown as a figure."
    )
    return result


@case("funds_reconcile", title="8. Reconciliation of every fund", order=80)
def funds_reconcile(ctx: Context) -> CaseResult:
    result = ctx.result("funds_reconcile")
    repeat = max(ctx.heavy_repeat, 5)
    django_seconds, bare = [], []
    answer = {}
    with ctx.psql(autocommit=True) as conn:
        accounts, entries = conn.execute(
            "SELECT (SELECT count(*) FROM funds_account), (SELECT reltuples::bigint FROM pg_class "
            "WHERE oid = 'funds_entry'::regclass)"
        ).fetchone()
    # Alternate: one Django process timing one reconciliation (after a warm-up one), then the bare SQL.
    for _ in range(repeat):
        answer = ctx.django("funds_reconcile", repeat=1)
        django_seconds.extend(answer["seconds"])
        conn = ctx.sql_connection()
        conn.execute(BARE_AGGREGATE).fetchall()  # the same warm-up
        started = time.perf_counter()
        conn.execute(BARE_AGGREGATE).fetchall()
        elapsed = time.perf_counter() - started
        bare.append(Sample(elapsed, db_ms=elapsed * 1000, queries=1))
    result.add("reconcile", "ms", [s * 1000 for s in django_seconds], note="funds.selectors.reconcile()")
    result.latency("bare aggregate", bare, note=BARE_AGGREGATE)
    result.check_ratio("≤ 1.5× the bare aggregate", "reconcile", "bare aggregate", 1.5, stat="median")
    result.check("every account reconciles", float(answer.get("wrong", -1)), "==", 0.0)
    result.figures.update(accounts=accounts, entries_estimated=entries, checked=answer.get("checked"))
    result.notes.append(
        "One set-based statement over every entry, grouped by account, joined to the accounts; the funds' "
        "zero sums follow from the same per-account totals. Median of the runs (each after a warm-up run)."
    )
    return result
