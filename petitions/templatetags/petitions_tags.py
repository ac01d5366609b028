"""Template filters of the petition pages: names of Bootstrap classes, never markup."""

from __future__ import annotations

from django import template

register = template.Library()

# The colour of each status's badge; anything else (closed, merged) a light one.
STATUS_BADGE = {
    "new": "text-bg-primary",
    "assigned": "text-bg-info",
    "accepted": "text-bg-warning",
    "waiting": "text-bg-secondary",
    "replied": "text-bg-success",
}
DEADLINE_BADGE = {"overdue": "text-bg-danger", "due_soon": "text-bg-warning", "paused": "text-bg-secondary"}


@register.filter
def status_badge(status: str) -> str:
    """``<span class="badge {{ p.status|status_badge }}">``"""
    return STATUS_BADGE.get(status, "text-bg-light border")


@register.filter
def deadline_badge(state: str) -> str:
    """The badge class of a nearest deadline's state (``selectors.nearest_deadline``)."""
    return DEADLINE_BADGE.get(state, "")
