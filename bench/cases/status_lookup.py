"""Case 6: the public status lookup (tracking code + last four phone digits) beside the trivial page
and the bare indexed lookup. Targets: p95 ≤ 1.5× the trivial page's p95; city p95 ≤ 1.2× district.

The page limits each client address and each code to 10 checks in 10 minutes, and that limit is
part of what is measured: every lookup asks for another item, and the client spreads its requests
over loopback addresses (127.0.0.2 …), five to an address.
"""

from __future__ import annotations

import itertools
import time

from bench.cases.common import STREET_STAFF, check_flat, contexts
from bench.harness import CaseResult, Context, Sample, case

PER_ADDRESS = 5
_addresses = (f"127.0.{i // 250}.{2 + i % 250}" for i in itertools.count())


def _items(ctx: Context, count: int) -> list[tuple[str, str]]:
    """(tracking code, last four digits) of ``count`` items picked evenly over the whole table."""
    with ctx.psql(autocommit=True) as conn:
        low, high = conn.execute("SELECT min(id), max(id) FROM petitions_petition").fetchone()
        step = max(1, (high - low) // (count * 3))
        rows = conn.execute(
            "SELECT tracking_code, phone_last4 FROM petitions_petition "
            "WHERE id = ANY(%s) AND phone_last4 <> '' ORDER BY id",
            [list(range(low + step // 2, high, step))],
        ).fetchall()
    return rows[:count]


class _Lookups:
    """POSTs the status form for the next item, from a fresh loopback address every few requests."""

    def __init__(self, ctx: Context, items: list[tuple[str, str]]) -> None:
        self.server = ctx.server
        anonymous = self.server.session()
        self.token = anonymous.csrf_token("/petitions/status/")
        self.cookies = dict(anonymous.cookies)
        self.items = iter(items)
        self.session = None
        self.used = PER_ADDRESS
        self.misses = 0

    def __call__(self) -> Sample:
        if self.used >= PER_ADDRESS:
            if self.session is not None:
                self.session.close()
            self.session = self.server.session(source=next(_addresses))
            self.session.cookies.update(self.cookies)
            self.used = 0
        self.used += 1
        code, digits = next(self.items)
        response = self.session.post_form(
            "/petitions/status/", {"csrfmiddlewaretoken": self.token, "code": code, "phone_last4": digits}
        )
        if response.status != 200 or code not in response.text:
            self.misses += 1
        return response.sample


class _Bare:
    """The indexed lookup the page starts from, through psycopg, one code after another."""

    def __init__(self, ctx: Context, items: list[tuple[str, str]]) -> None:
        self.ctx = ctx
        self.codes = itertools.cycle([code for code, _digits in items])

    def __call__(self) -> Sample:
        conn = self.ctx.sql_connection()
        started = time.perf_counter()
        conn.execute(
            "SELECT p.*, c.*, r.* FROM petitions_petition p "
            "JOIN petitions_category c ON c.id = p.category_id JOIN grids_region r ON r.id = p.region_id "
            "WHERE p.tracking_code = %s LIMIT 21",
            [next(self.codes)],
        ).fetchall()
        elapsed = time.perf_counter() - started
        return Sample(elapsed, db_ms=elapsed * 1000, queries=1)


@case("status_lookup", title="6. Public status lookup", order=60)
def status_lookup(ctx: Context) -> CaseResult:
    result = ctx.result("status_lookup")
    series, lookups = {}, {}
    for scale, c in contexts(ctx):
        items = _items(c, (ctx.repeat + 5) * 2)
        lookups[scale] = _Lookups(c, items[: ctx.repeat + 5])
        series[f"{scale}: lookup"] = lookups[scale]
        staff = c.session(STREET_STAFF)
        series[f"{scale}: trivial html"] = lambda s=staff: s.get("/trivial/").sample
        series[f"{scale}: bare indexed lookup"] = _Bare(c, items[ctx.repeat + 5 :])
    for name, values in ctx.interleave(series).items():
        result.latency(name, values)
    here = ctx.scale.name
    result.check_ratio("p95 ≤ 1.5× trivial page p95", f"{here}: lookup", f"{here}: trivial html", 1.5)
    check_flat(result, ctx, ["lookup"], "lookup")
    misses = sum(lookup.misses for lookup in lookups.values())
    result.check("every lookup found its item (no error, no rate limit)", float(misses), "==", 0.0)
    result.notes.append(
        "Anonymous POST of the status form (CSRF, the per-address and per-code rate limits in Redis, the "
        "item and its public timeline); the trivial page is signed in (street staff), so it pays for "
        "the session and the navigation the public page does not have."
    )
    return result
