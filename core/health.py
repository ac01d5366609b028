"""The health report: database, Redis and the Celery worker and beat, each timed."""

from __future__ import annotations

import time
from datetime import datetime

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from core.tasks import HEARTBEAT_KEY

_PROBE_KEY = "health:probe"


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check()
        result.setdefault("status", "ok")
    except Exception as exc:  # a health check reports every failure instead of raising
        result = {"status": "down", "error": exc.__class__.__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        return {"version": cursor.fetchone()[0]}


def _redis() -> dict:
    # A write and a read through the cache API: Redis answers and keeps what it is given.
    stamp = str(time.time_ns())
    cache.set(_PROBE_KEY, stamp, timeout=10)
    if cache.get(_PROBE_KEY) != stamp:
        raise RuntimeError("the cache did not return what was written")
    return {}


def _celery() -> dict:
    # The Celery app of this process (the project's, once Django has loaded it): core imports no app.
    replies = current_app.control.ping(timeout=0.5) or []
    workers = sorted(name for reply in replies for name in reply)
    beat = cache.get(HEARTBEAT_KEY)
    if beat:
        beat = timezone.localtime(datetime.fromisoformat(beat)).isoformat(timespec="seconds")
    return {
        "status": "ok" if workers else "down",
        "workers": workers,
        "beat_last_seen": beat,
    }


def health_report() -> dict:
    checks = {"database": _timed(_database), "redis": _timed(_redis)}
    checks["celery"] = _timed(_celery) if checks["redis"]["status"] == "ok" else {"status": "unknown"}
    essential = all(checks[name]["status"] == "ok" for name in ("database", "redis"))
    return {"status": "ok" if essential else "down", "checks": checks}
