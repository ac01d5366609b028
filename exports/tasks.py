"""Celery tasks of exports: thin wrappers around the services.

``run`` is idempotent (the service claims the job with a compare-and-set) and acknowledged late,
so a task redelivered after a crash is harmless. A lost database connection (``OperationalError``)
puts the job back in the queue and the task retries with exponential backoff.
"""

from __future__ import annotations

from celery import shared_task

from core.tasks import RETRY_ON_DB_ERRORS
from exports import services

_RETRY = RETRY_ON_DB_ERRORS


@shared_task(ignore_result=True, acks_late=True, **_RETRY)
def run(job_id: str) -> str:
    """Write one background export (published to ``settings.EXPORT_QUEUE``)."""
    return services.export_job_run(job_id=job_id)


@shared_task(ignore_result=True, **_RETRY)
def sweep() -> dict[str, int]:
    """Re-run jobs whose worker died, publish jobs nobody picked up, delete expired files (beat)."""
    return services.export_sweep()
