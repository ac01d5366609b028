from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

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
