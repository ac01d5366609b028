"""The Django side of the benchmark, run as ``python -m bench.worker <function> '<json kwargs>'`` with
``DATABASE_URL`` naming a bench database; prints one JSON line. A process per call keeps each bench
database's Django setup apart (a city run also measures the district)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def capture_queries(*, username: str, paths: list[str]) -> dict[str, list[str]]:
    """The literal SQL each page runs for ``username`` (second request: caches warm, as a server's)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    captured = {}
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        captured[path] = [q["sql"] for q in queries.captured_queries]
    return captured


def sweep(*, now: str, repeat: int, warmup: int = 1) -> dict:
    """Time ``petitions.sweeps.sweep(now=…)`` ``repeat`` times, each inside a transaction that is
    rolled back afterwards (its own atomics become savepoints), so every run sees the same data."""
    from django.db import transaction

    from petitions.sweeps import sweep as run

    when = dt.datetime.fromisoformat(now)
    seconds, result = [], {}
    for index in range(warmup + repeat):
        with transaction.atomic():
            started = time.perf_counter()
            result = run(now=when)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        if index >= warmup:
            seconds.append(elapsed)
    return {"seconds": seconds, "result": result}


def satisfaction_copy(*, region_path: str, start: str, end: str, language: str = "zh-hans") -> dict:
    """The satisfaction export's query as literal SQL (``COPY (…) TO STDOUT WITH (FORMAT csv)``), its
    labels in ``language`` as the streamed export writes them for a user who asked in it."""
    from django.db import connection
    from django.utils import translation

    from exports.selectors import satisfaction_sql
    from grids.models import Region

    region = Region.objects.get(path=region_path)
    with translation.override(language):
        sql, params = satisfaction_sql(
            region=region, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end), masked=True
        )
        connection.ensure_connection()
        literal = connection.ops.compose_sql(sql, params) if params else sql
    return {"statement": f"COPY ({literal}) TO STDOUT WITH (FORMAT csv)", "region_id": region.pk}


def kpis_compare(*, username: str, region_path: str, start: str, end: str) -> dict:
    """``kpis`` (rollups) against ``kpis_fresh`` (raw rows) for every split, and the bare aggregate's
    SQL (``kpis_fresh`` with the region split: the period's totals and its children in one statement)."""
    from dataclasses import asdict

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grids.models import Region
    from reports.selectors import kpis, kpis_fresh

    user = get_user_model().objects.get(username=username)
    region = Region.objects.get(path=region_path)
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)

    def figures(report) -> dict:
        return {"total": asdict(report.total), "rows": {row.key: asdict(row.figures) for row in report.rows}}

    splits, differences = {}, []
    for split in (None, "region", "category", "channel", "unit"):
        rolled = figures(kpis(user=user, region=region, start=first, end=last, split=split))
        with CaptureQueriesContext(connection) as queries:
            fresh = figures(kpis_fresh(user=user, region=region, start=first, end=last, split=split))
        equal = rolled == fresh
        splits[split or "total"] = {"equal": equal, "rows": len(rolled["rows"]), "collected": rolled["total"]}
        if not equal:
            differences.append({"split": split, "rollups": rolled, "fresh": fresh})
        if split == "region":
            statements = [q["sql"] for q in queries.captured_queries if "petitions_petition" in q["sql"]]
    return {"splits": splits, "differences": differences[:2], "statements": statements, "region_id": region.pk}


def funds_reconcile(*, repeat: int, warmup: int = 1) -> dict:
    """Time ``funds.selectors.reconcile()`` (what ``manage.py funds_reconcile`` runs) ``repeat`` times."""
    from funds.selectors import reconcile

    seconds, checked, wrong, unbalanced = [], 0, [], []
    for index in range(warmup + repeat):
        started = time.perf_counter()
        checked, wrong, unbalanced = reconcile()
        elapsed = time.perf_counter() - started
        if index >= warmup:
            seconds.append(elapsed)
    return {"seconds": seconds, "checked": checked, "wrong": len(wrong) + len(unbalanced)}


def volunteer_suggestions(*, opportunity_ids: list[int], repeat: int, warmup: int = 1) -> dict:
    """``matching.suggestions`` for each opportunity beside the bare SQL of its hard filter
    (``matching.hard_filter``'s statement, run through the same connection), interleaved round by
    round; seconds of each, the queries the suggestions ran, and how many candidates each had."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from volunteers import matching
    from volunteers.models import Opportunity

    opportunities = list(Opportunity.objects.filter(pk__in=opportunity_ids).order_by("pk"))
    statements = {}
    for opportunity in opportunities:
        with CaptureQueriesContext(connection) as captured:
            list(matching.hard_filter(opportunity))
        statements[opportunity.pk] = captured.captured_queries[-1]["sql"]
    suggestions, bare, queries, candidates = [], [], set(), {}
    for index in range(warmup + repeat):
        for opportunity in opportunities:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                found = matching.suggestions(opportunity)
                elapsed = time.perf_counter() - started
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(statements[opportunity.pk])
                rows = cursor.fetchall()
            bare_elapsed = time.perf_counter() - started
            if index >= warmup:
                suggestions.append(elapsed)
                bare.append(bare_elapsed)
                queries.add(len(captured.captured_queries))
                candidates[opportunity.pk] = len(rows)
                assert len(found) <= len(rows)
    return {
        "suggestions": suggestions,
        "bare": bare,
        "queries": sorted(queries),
        "candidates": candidates,
        "statement": statements[opportunities[0].pk] if opportunities else "",
    }


def volunteer_batch(*, opportunity_ids: list[int], repeat: int = 1) -> dict:
    """The batch "fill this week": the score table of the opportunities, then the assignment solver
    and the greedy baseline on it; their seconds and total scores (nothing is booked)."""
    from volunteers import matching
    from volunteers.models import Opportunity

    opportunities = list(Opportunity.objects.filter(pk__in=opportunity_ids).order_by("pk"))
    table_s, assign_s, greedy_s = [], [], []
    for _ in range(repeat):
        started = time.perf_counter()
        slots, people, table = matching.score_table(opportunities)
        table_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        assigned = matching.assign(table)
        assign_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        chosen = matching.greedy(table)
        greedy_s.append(time.perf_counter() - started)
    return {
        "opportunities": len(opportunities),
        "slots": len(slots),
        "volunteers": len(people),
        "eligible_pairs": int((table > 0).sum()),
        "table_seconds": table_s,
        "assign_seconds": assign_s,
        "greedy_seconds": greedy_s,
        "assign_total": matching.total(table, assigned),
        "assign_booked": len(assigned),
        "greedy_total": matching.total(table, chosen),
        "greedy_booked": len(chosen),
    }


def volunteer_certificates(*, numbers: list[str]) -> dict:
    """Seconds to draw each certificate's PDF (``volunteers.certificates.render_pdf``) and its size."""
    from volunteers.certificates import render_pdf
    from volunteers.models import Certificate

    seconds, sizes = [], []
    render_pdf(Certificate.objects.get(number=numbers[0]))  # fonts and imports load once per process
    for number in numbers:
        certificate = Certificate.objects.get(number=number)
        started = time.perf_counter()
        pdf = render_pdf(certificate)
        seconds.append(time.perf_counter() - started)
        sizes.append(len(pdf))
        assert pdf.startswith(b"%PDF")
    return {"seconds": seconds, "bytes": sizes}


def main(argv: list[str]) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhenhai.settings")
    django.setup()
    function = {
        "capture_queries": capture_queries,
        "sweep": sweep,
        "satisfaction_copy": satisfaction_copy,
        "kpis_compare": kpis_compare,
        "funds_reconcile": funds_reconcile,
        "volunteer_suggestions": volunteer_suggestions,
        "volunteer_batch": volunteer_batch,
        "volunteer_certificates": volunteer_certificates,
    }[argv[1]]
    answer = function(**json.loads(argv[2]))
    print(json.dumps(answer, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
