"""Celery tasks of the funds: thin wrappers that beat runs (settings.CELERY_BEAT_SCHEDULE).

``pledges_fall_due`` is idempotent (a unique constraint per pledge and year, the pledge row locked,
an idempotency key on the posting), so running it hourly, twice, or on two workers at once creates
each year's receivable once.
"""

from __future__ import annotations

from celery import shared_task

from core.tasks import RETRY_ON_DB_ERRORS
from funds import services


@shared_task(ignore_result=True, **RETRY_ON_DB_ERRORS)
def pledges_fall_due(year: int | None = None) -> int:
    """Create the year's receivable of every yearly pledge (hourly; acts once per pledge and year)."""
    return services.pledges_fall_due(year=year)
