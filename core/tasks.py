from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

# Every app's tasks: a lost database connection or a deadlock victim (``OperationalError``) is
# retried with exponential backoff; the tasks are idempotent, so a retry is harmless.
RETRY_ON_DB_ERRORS = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}

HEARTBEAT_KEY = "health:beat"


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat sends this every minute; a worker running it proves both are alive."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=600)


@shared_task(ignore_result=True, acks_late=True)
def outbox_deliver() -> int:
    """Deliver pending outbox messages (idempotent; beat also runs it every 30 seconds)."""
    from core.outbox import deliver

    return deliver()
