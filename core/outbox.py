"""The outbox: side effects recorded in the database in the same transaction, delivered by Celery.

``enqueue(topic, payload)`` inserts a row and, after commit, tries once to publish the delivery
task. Publishing never blocks a request for long and never fails it: if Redis is down the row
waits and beat's periodic ``core.tasks.outbox_deliver`` (or the next successful kick) delivers it.
Kicks are coalesced: while one published task has not started yet (a short-lived flag in Redis),
another kick publishes nothing, since that task will see every row committed before it starts.
Handlers are registered per topic by the apps (``register``) and must be idempotent: a message may
be delivered again after a crash between handling and marking it delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage

log = logging.getLogger(__name__)
# Set (NX) by the kick that publishes a delivery task, deleted by the delivery before it reads the
# pending rows. The expiry covers a task that is lost; beat's periodic delivery still runs.
KICK_FLAG = "outbox:kick"
KICK_FLAG_SECONDS = 5
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
    """Ask a worker to deliver pending messages, unless a task already published has not started
    yet; on any broker trouble leave it to beat."""
    from core.tasks import outbox_deliver

    try:
        flagged = cache.add(KICK_FLAG, 1, timeout=KICK_FLAG_SECONDS)
    except Exception:  # Redis down: try to publish as if no task were waiting (it warns below)
        flagged = False
    else:
        if not flagged:
            return  # that task deletes the flag before it reads the rows, so it sees ours
    try:
        outbox_deliver.apply_async(retry=False)
    except Exception as exc:  # broker down: the rows wait in the database, nothing is lost
        log.warning("outbox: could not publish the delivery task (%s); beat will retry", exc.__class__.__name__)
        if flagged:
            _clear_kick_flag()  # no task waits: let the next kick try again


def _clear_kick_flag() -> None:
    try:
        cache.delete(KICK_FLAG)
    except Exception:  # Redis down: the flag expires on its own
        log.warning("outbox: could not clear the kick flag; it expires in %s s", KICK_FLAG_SECONDS)


def deliver(*, batch: int = 200) -> int:
    """Deliver pending messages, oldest first; rows locked by another worker are skipped."""
    # First, before reading: a row committed after this read finds no flag and kicks again.
    _clear_kick_flag()
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
