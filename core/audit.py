"""The audit log: django-pghistory events recorded by database triggers, read for history pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pghistory
from django.db import models


def audited() -> tuple:
    """Fresh trackers for ``@pghistory.track``: every insert, update and delete (one set per model)."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    label: str
    actor: str
    action: str
    changes: dict


def object_history(obj: models.Model, *, limit: int = 50) -> list[AuditEntry]:
    """Events of ``obj``, newest first, with the acting user and before/after of changed fields."""
    import pghistory.models
    from django.contrib.auth import get_user_model

    events = list(pghistory.models.Events.objects.tracks(obj).order_by("-pgh_created_at")[:limit])
    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")}
    names = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)}
    return [
        AuditEntry(
            at=e.pgh_created_at,
            label=e.pgh_label,
            actor=names.get((e.pgh_context or {}).get("user"), "—"),
            action=(e.pgh_context or {}).get("action") or (e.pgh_context or {}).get("url") or "",
            changes=e.pgh_diff or {},
        )
        for e in events
    ]
