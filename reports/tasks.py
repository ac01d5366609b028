"""Celery task of the reports: beat keeps the monthly rollups up to date (settings.CELERY_BEAT_SCHEDULE).

Thin and idempotent: each month is recomputed in one transaction under an advisory lock, so a
retry or two workers at once write the same rows. A lost connection or a deadlock victim
(``OperationalError``) is retried with exponential backoff.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from core.tasks import RETRY_ON_DB_ERRORS
from reports import services

_RETRY = RETRY_ON_DB_ERRORS


@shared_task(ignore_result=True, **_RETRY)
def rollup_refresh(months: list[str] | None = None, all_months: bool = False) -> dict:
    """The months whose items changed since the last run; or ``months`` ("YYYY-MM-DD"); or all."""
    chosen = [dt.date.fromisoformat(m) for m in months] if months else None
    return services.rollup_refresh(months=chosen, all_months=all_months)
