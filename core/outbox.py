"""The outbox: side effects recorded in the database in the same transaction, delivered by Celery.

``enqueue(topic, payload)`` inserts a row and, after commit, tries once to publish the delivery
task. Publishing never blocks a request for long and never fails it: if Redis is down the row
waits and beat's periodic ``core.tasks.outbox_deliver`` (or the next successful kick) delivers it.
Handlers are registered per topic by the apps (``register``) and must be idempotent: a message may
be delivered again after a crash between handling and marking it delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage

log = logging.getLogger(__name__)
_handlers: dict[str, Callable[[OutboxMessage], None]] = {}


def register(topic: str, handler: Callable[[OutboxMessage], None]) -> None:
    _handlers[topic] = handler


def enqueue(topic: str, payload: dict) -> OutboxMessage:
    message = OutboxMessage.objects.create(topic=topic, payload=payload)
    kick_after_commit()
    return message


def kick_after_commit() -> None:
    """Publish the delivery task once the current transaction commits (unless switched off:
    the test settings leave delivery to the tests that ask for it)."""
    if getattr(settings, "OUTBOX_KICK_ON_COMMIT", True):
        transaction.on_commit(kick)


def kick() -> None:
    """Ask a worker to deliver pending messages; on any broker trouble leave it to beat."""
    from core.tasks import outbox_deliver

    try:
        outbox_deliver.apply_async(retry=False)
    except Exception as exc:  # broker down: the rows wait in the database, nothing is lost
        log.warning("outbox: could not publish the delivery task (%s); beat will retry", exc.__class__.__name__)


def deliver(*, batch: int = 200) -> int:
    """Deliver pending messages, oldest first; rows locked by another worker are skipped."""
    delivered = 0
    while True:
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(delivered_at__isnull=True)
                .order_by("id")[:batch]
            )
            if not messages:
                return delivered
            for message in messages:
                handler = _handlers.get(message.topic)
                try:
                    with transaction.atomic():
                        if handler is None:
                            raise LookupError(f"no handler for topic {message.topic!r}")
                        handler(message)
                    message.delivered_at = timezone.now()
                    message.last_error = ""
                    delivered += 1
                except Exception as exc:
                    log.exception("outbox: message %s failed", message.pk)
                    message.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
                message.attempts += 1
                message.save(update_fields=["delivered_at", "attempts", "last_error"])
            if len(messages) < batch:
                return delivered
