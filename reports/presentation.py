"""How figures are shown: formatted values, month-on-month changes, and the queue links that list
the items behind each figure. Shared by the pages, the PDF and (for the links) the API."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from petitions.models import Status
from reports.metrics import COLLECTED_DEFINITION, RATES, WORK_HOURS_DEFINITION, Figures, hours, percent
from reports.services import next_month

COHORT_STATUSES = [s for s in Status.values if s != Status.MERGED]
ANSWERED_STATUSES = [Status.REPLIED.value, Status.CLOSED.value]


def last_day(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def period_label(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y-%m}" if start == end else f"{start:%Y-%m} – {end:%Y-%m}"


@dataclass
class Links:
    """Queue links for one set of items (a region and period, maybe narrowed to a split key)."""

    base: dict

    def url(self, **extra) -> str:
        params = {**self.base, **extra}
        params.setdefault("status", COHORT_STATUSES)
        return _queue_url() + "?" + urlencode(params, doseq=True)

    def for_figure(self, key: str) -> str:
        return self.url(**FIGURE_FILTERS[key])

    def all(self) -> dict[str, str]:
        return {key: self.url(**extra) for key, extra in FIGURE_FILTERS.items()}


@functools.cache
def _queue_url() -> str:
    # Resolved once per process: a dashboard draws thousands of links (every figure of every row).
    return reverse("petitions:queue")


_ANSWERED = {"status": ANSWERED_STATUSES}
# The queue filters that list the items behind each figure (petitions/filters.py).
FIGURE_FILTERS: dict[str, dict] = {
    "collected": {},
    "first_time_rate": {"first_time": "true"},
    "feedback_rate": _ANSWERED,
    "unfixed_share": {"outcome": "unfixed"},
    "on_time_rate": {"on_time": "true", **_ANSWERED},
    "satisfaction_rate": {"rated": "good"},
    "evaluated": {"rated": "any"},
    "satisfied": {"rated": "satisfied"},
    "basic": {"rated": "basic"},
    "unsatisfied": {"rated": "unsatisfied"},
    "not_evaluated_share": {"rated": "none", **_ANSWERED},
    "rework_rate": {"reworked": "true", **_ANSWERED},
    "escalation_rate": {"escalated": "true"},
    "avg_work_hours": _ANSWERED,
}


def links_for(region_id: int, start: dt.date, end: dt.date, **narrow) -> Links:
    return Links(
        base={"region": region_id, "filed_from": start.isoformat(), "filed_to": last_day(end).isoformat(), **narrow}
    )


def _signed(value: Decimal) -> str:
    text = str(value)
    return text if text.startswith("-") else f"+{text}"


def rate_change(current: Decimal | None, previous: Decimal | None) -> str:
    """The change in percentage points, "+1.2 pp", or "—" when either side has no figure."""
    if current is None or previous is None:
        return "—"
    points = ((current - previous) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return _("%(value)s pp") % {"value": _signed(points)}


def count_change(current: int, previous: int) -> str:
    if not previous:
        return "—"
    change = (Decimal(current - previous) * 100 / Decimal(previous)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{_signed(change)}%"


def hours_change(current: Decimal | None, previous: Decimal | None) -> str:
    if current is None or previous is None:
        return "—"
    change = (current - previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return _("%(value)s h") % {"value": _signed(change)}


def _direction(current, previous, higher_is_better: bool) -> str:
    """ "good", "bad" or "" (no change or nothing to compare), for colouring the change."""
    if current is None or previous is None or current == previous:
        return ""
    return "good" if (current > previous) == higher_is_better else "bad"


@dataclass
class Card:
    key: str
    label: str
    value: str
    detail: str
    change: str
    direction: str
    link: str
    definition: str


def cards(total: Figures, previous: Figures, links: Links) -> list[Card]:
    """The headline figures, each with its month-on-month change, its link and its definition."""
    result = [
        Card(
            "collected",
            _("Items collected"),
            str(total.collected),
            "",
            count_change(total.collected, previous.collected),
            "",
            links.for_figure("collected"),
            str(COLLECTED_DEFINITION),
        )
    ]
    parts = {
        "first_time_rate": (total.first_time, total.collected),
        "feedback_rate": (total.replied, total.collected),
        "unfixed_share": (total.unfixed, total.replied),
        "on_time_rate": (total.on_time, total.replied),
        "satisfaction_rate": (total.satisfied + total.basic, total.evaluated),
        "not_evaluated_share": (total.not_evaluated, total.replied),
        "rework_rate": (total.reworked, total.replied),
        "escalation_rate": (total.escalated, total.collected),
    }
    for spec in RATES:
        current, before = getattr(total, spec.key), getattr(previous, spec.key)
        part, whole = parts[spec.key]
        result.append(
            Card(
                spec.key,
                str(spec.label),
                percent(current),
                f"{part} / {whole}",
                rate_change(current, before),
                _direction(current, before, spec.higher_is_better),
                links.for_figure(spec.key),
                str(spec.definition),
            )
        )
    result.append(
        Card(
            "avg_work_hours",
            _("Average working time to reply"),
            _("%(value)s h") % {"value": hours(total.avg_work_hours)} if total.avg_work_hours is not None else "—",
            _("over %(count)s items") % {"count": total.work_items},
            hours_change(total.avg_work_hours, previous.avg_work_hours),
            _direction(total.avg_work_hours, previous.avg_work_hours, False),
            links.for_figure("avg_work_hours"),
            str(WORK_HOURS_DEFINITION),
        )
    )
    return result


def row_cells(figures: Figures) -> dict[str, str]:
    """The formatted figures of a table row."""
    return {
        "collected": str(figures.collected),
        "first_time_rate": percent(figures.first_time_rate),
        "feedback_rate": percent(figures.feedback_rate),
        "unfixed_share": percent(figures.unfixed_share),
        "on_time_rate": percent(figures.on_time_rate),
        "satisfaction_rate": percent(figures.satisfaction_rate),
        "not_evaluated_share": percent(figures.not_evaluated_share),
        "rework_rate": percent(figures.rework_rate),
        "escalation_rate": percent(figures.escalation_rate),
        "avg_work_hours": hours(figures.avg_work_hours),
    }
