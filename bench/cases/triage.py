"""Case 1: the triage queue (HTML page and API list) as street staff — first page and a page deep in
the keyset, for three filter settings — beside the trivial page/endpoint and the bare SQL.

Filter settings: the default (open items, newest first); "due soonest" (``sort=due``, on
``next_due_at``); and three filters together (a category, the general class, unclaimed). The deep
page starts at the cursor of the item ``DEPTH`` rows in (or halfway, for shorter lists).

Targets: p95 ≤ 3× the trivial page's (endpoint's) p95 — the trivial page is drawn by the same
template engine and base template; SQL time inside the request
(Server-Timing) ≤ 1.5× the same statements run bare through psycopg; the same query count on
every page of a setting and at both scales; city p95 ≤ 1.2× district p95.
"""

from __future__ import annotations

from urllib.parse import urlencode

from bench.cases.common import OPEN, STREET_PATH, STREET_STAFF, check_flat, contexts, worst_ratio
from bench.harness import CaseResult, Context, case
from bench.stats import Summary

DEPTH = 2000
FILTERED_CATEGORY = "road"
SETTINGS = {
    "newest": {},
    "due": {"sort": "due"},
    "3 filters": {"category": FILTERED_CATEGORY, "klass": "general", "unclaimed": "true"},
}


def _deep_cursor(ctx: Context, setting: str) -> str:
    """The keyset cursor ``DEPTH`` rows into the street's open items (or halfway into a short list)."""
    where = "region_path LIKE %(path)s AND status = ANY(%(open)s)"
    params = {"path": STREET_PATH + "%", "open": list(OPEN)}
    if setting == "3 filters":
        where += (
            " AND klass = 'general' AND claimed_by_id IS NULL"
            " AND category_id = (SELECT id FROM petitions_category WHERE code = %(category)s)"
        )
        params["category"] = FILTERED_CATEGORY
    order = "next_due_at, id" if setting == "due" else "id DESC"
    if setting == "due":
        where += " AND next_due_at IS NOT NULL"
    with ctx.psql(autocommit=True) as conn:
        total = conn.execute(f"SELECT count(*) FROM petitions_petition WHERE {where}", params).fetchone()[0]  # noqa: S608
        params["offset"] = min(DEPTH, total // 2)
        row = conn.execute(
            f"SELECT id, next_due_at FROM petitions_petition WHERE {where} ORDER BY {order} OFFSET %(offset)s LIMIT 1",  # noqa: S608
            params,
        ).fetchone()
    if setting == "due":
        return f"{row[1].isoformat()}|{row[0]}"
    return str(row[0])


def _paths(ctx: Context) -> dict[str, str]:
    """Series name → URL path, for the HTML page and the API."""
    paths = {}
    for setting, filters in SETTINGS.items():
        deep = _deep_cursor(ctx, setting)
        for depth, cursor in (("first", None), ("deep", deep)):
            query = dict(filters)
            if cursor:
                query["cursor"] = cursor
            paths[f"html {setting} {depth}"] = "/petitions/" + (f"?{urlencode(query)}" if query else "")
            paths[f"api {setting} {depth}"] = "/api/v1/petitions/?" + urlencode({"open": "true", **query})
    return paths


@case("triage", title="1. Triage queue (street staff)", order=10)
def triage(ctx: Context) -> CaseResult:
    result = ctx.result("triage")
    series, counts = {}, {}
    for scale, c in contexts(ctx):
        session = c.session(STREET_STAFF)
        paths = _paths(c)
        for name, path in paths.items():
            first = session.get(path)
            if first.status != 200:
                raise RuntimeError(f"{scale} {path}: HTTP {first.status}")
            series[f"{scale}: {name}"] = lambda s=session, p=path: s.get(p).sample
        series[f"{scale}: trivial html"] = lambda s=session: s.get("/trivial/").sample
        series[f"{scale}: trivial api"] = lambda s=session: s.get("/api/v1/trivial/").sample
        # The bare SQL of each page: captured in-process once, run through psycopg.
        captured = c.django("capture_queries", username=STREET_STAFF, paths=list(paths.values()))
        for name, path in paths.items():
            series[f"{scale}: {name} — bare SQL"] = c.bare_sql(captured[path])
            counts[f"{scale}: {name}"] = len(captured[path])
    samples = ctx.interleave(series)
    for name, values in samples.items():
        if any(s.status not in (200, None) for s in values):
            raise RuntimeError(f"{name}: non-200 answers {sorted({s.status for s in values})}")
        result.latency(name, values, note="the page's statements through psycopg" if "bare" in name else "")

    here = ctx.scale.name
    pages = [
        name.removeprefix(f"{here}: ")
        for name in samples
        if name.startswith(f"{here}: ") and "trivial" not in name and "bare" not in name
    ]
    for kind in ("html", "api"):
        mine = [p for p in pages if p.startswith(kind)]
        trivial = result.p95(f"{here}: trivial {kind}")
        worst_ratio(
            result,
            f"{kind.upper()} p95 ≤ 3× trivial {kind} p95",
            {p: (result.p95(f"{here}: {p}"), trivial) for p in mine},
            3.0,
        )
        worst_ratio(
            result,
            f"{kind.upper()} SQL in request ≤ 1.5× bare SQL (medians)",
            {
                p: (
                    Summary.of(result.get(f"{here}: {p}").db_ms).median,
                    result.median(f"{here}: {p} — bare SQL"),
                )
                for p in mine
            },
            1.5,
        )
        # A fixed query count: the first and the deep page of each setting, at every scale measured.
        spread = []
        for setting in SETTINGS:
            seen = {
                result.get(f"{scale}: {kind} {setting} {depth}").queries
                for scale, _c in contexts(ctx)
                for depth in ("first", "deep")
            }
            spread.append((setting, seen))
        varying = [s for s, seen in spread if len(seen) != 1 or None in seen]
        result.check(
            f"{kind.upper()} query count fixed (first = deep page{', district = city' if ctx.compare else ''})",
            float(len(varying)),
            "==",
            0.0,
            "; ".join(f"{s}: {sorted(q, key=str)} queries" for s, q in spread),
        )
        check_flat(result, ctx, mine, kind.upper())
    for kind in ("html", "api"):
        parts = []
        for name in (f"{kind} newest first", f"trivial {kind}"):
            m = result.get(f"{here}: {name}")
            parts.append(
                f"{name} {m.summary.median:.1f} ms at the client, {Summary.of(m.app_ms).median:.1f} ms inside "
                f"Django of which {Summary.of(m.db_ms).median:.1f} ms SQL"
            )
        result.notes.append("Where the time goes (medians): " + "; ".join(parts) + ".")
    result.notes.append(
        f"Signed in as {STREET_STAFF} (招宝山街道); deep pages start {DEPTH} rows into the list (or halfway). "
        "Server-Timing counts every query of the request; the bare SQL is the same statement list "
        "captured in-process (Django test client) and run through one psycopg connection."
    )
    mismatched = [n for n in counts if result.get(n).queries not in (None, counts[n])]
    if mismatched:
        result.notes.append(f"In-process capture and server counted different queries for: {', '.join(mismatched)}.")
    return result
