"""``Server-Timing`` for benchmarks: the time and number of SQL queries inside each request.

Enabled by ``SERVER_TIMING=1`` (settings, "Benchmark" block), which puts this middleware first so
it sees every query of the request — sessions, authentication and the view alike. The header reads
``db;dur=<ms>;desc="<n> queries", app;dur=<ms>``: ``db`` sums the time spent in the database
driver's ``execute`` on the default connection, ``app`` is the whole request inside Django. The
benchmark compares ``db`` with the same SQL run bare through psycopg. Off by default: the header
tells a visitor how long the database took, which production need not say.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse


class QueryTimer:
    """A ``connection.execute_wrapper`` that adds up the time and the number of queries."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def server_timing(timer: QueryTimer, total_seconds: float) -> str:
    return (
        f'db;dur={timer.seconds * 1000:.2f};desc="{timer.count} queries", '  # a header, not a page: not translated
        f"app;dur={total_seconds * 1000:.2f}"
    )


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timer = QueryTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = self.get_response(request)
        response["Server-Timing"] = server_timing(timer, time.perf_counter() - started)
        return response
