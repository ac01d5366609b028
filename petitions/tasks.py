"""Celery tasks of petitions: thin wrappers that beat runs (settings.CELERY_BEAT_SCHEDULE).

Both sweeps are idempotent (compare-and-set, unique constraint), so a retry or a second worker
running the same task at once changes nothing. A lost database connection or a deadlock victim
(``OperationalError``) is retried with exponential backoff.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from core.tasks import RETRY_ON_DB_ERRORS
from petitions import photos, sweeps

_RETRY = RETRY_ON_DB_ERRORS


@shared_task(ignore_result=True, **_RETRY)
def sweep() -> dict[str, int]:
    """Deadline warnings and escalations (every two minutes)."""
    return sweeps.sweep()


@shared_task(ignore_result=True, **_RETRY)
def monthly_sweep(month: str | None = None) -> dict[str, int]:
    """月月清零 for ``month`` ("YYYY-MM-DD", any day of it) or, by default, the month that just ended."""
    return sweeps.monthly_sweep(dt.date.fromisoformat(month) if month else None)


@shared_task(ignore_result=True)
def sweep_held_photos() -> int:
    """Remove photos kept for a form nobody came back to (hourly); deleting twice is harmless."""
    return photos.photos_sweep_held()
