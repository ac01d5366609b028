"""Celery tasks of the volunteers app: thin wrappers beat runs (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import RETRY_ON_DB_ERRORS
from volunteers import services


@shared_task(ignore_result=True, **RETRY_ON_DB_ERRORS)
def release_stale_wish_claims() -> int:
    """Stale claims back on the wish wall (hourly); a compare-and-set UPDATE, so a rerun is a no-op."""
    return services.wish_release_stale()


@shared_task(ignore_result=True, **RETRY_ON_DB_ERRORS)
def insurance_reminders() -> int:
    """Accident insurance about to end (daily); each policy end is reminded once."""
    return services.insurance_remind()


@shared_task(ignore_result=True, **RETRY_ON_DB_ERRORS)
def policy_reminders() -> int:
    """Organisations' insurance policies about to end (daily); each policy end is reminded once."""
    return services.policy_remind()
