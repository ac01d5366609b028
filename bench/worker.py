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


def main(argv: list[str]) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhenhai.settings")
    django.setup()
    function = {"capture_queries": capture_queries, "sweep": sweep}[argv[1]]
    answer = function(**json.loads(argv[2]))
    print(json.dumps(answer, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
