"""Celery routing by kind of work (settings.CELERY_TASK_ROUTES → :func:`route`).

Three queues, each with a worker of its own in production (deploy/systemd/zhenhai-worker@.service):
``sweeps`` (deadline escalation, month end, rollups, housekeeping), ``notifications`` (the outbox:
in-app, email, SMS) and ``exports`` (long files). A 600,000-row export then occupies only the
exports worker and never delays the escalation sweep. A task not named in
``settings.CELERY_TASK_KINDS`` goes to the default queue (``CELERY_TASK_DEFAULT_QUEUE``).

The router reads the settings each time it is asked, so a test can point a kind at a queue of its own.
"""

from __future__ import annotations

from django.conf import settings


def queue_for(task_name: str) -> str | None:
    """The queue a task of this name goes to, or None for the default queue."""
    kind = settings.CELERY_TASK_KINDS.get(task_name)
    return settings.CELERY_WORK_QUEUES[kind] if kind else None


def route(name: str, args, kwargs, options, task=None, **kw) -> dict | None:
    """A Celery router function: ``{"queue": …}`` for a task of a known kind, None otherwise."""
    queue = queue_for(name)
    return {"queue": queue} if queue else None
