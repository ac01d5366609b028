from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "health:beat"


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat sends this every minute; a worker running it proves both are alive."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=600)
