"""What every KPI means: the per-item conditions in SQL, the counts they add up to, and the rates.

One place for the definitions. The rollup refresh (``services.py``) and the bare aggregate over the
petitions (``selectors.kpis_fresh``) both use ``ITEM_SQL``. "Resolved the first time" and "on time"
are the petition's own stored columns (``Petition.first_time``, ``Petition.on_time``, defined once
in ``petitions.models``), which the queue's filters that the reports link to read as well.

The cohort of a period: the items *filed* (``created_at``, months in Asia/Shanghai) in it, except
those merged into another item (并单). Figures describe those items as they stand now, so a month's
rates move as its items are closed; the rollups follow within one refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from petitions.models import UNFIXED_OUTCOMES
from petitions.selectors import LATEST_EVALUATION_JOIN

# Additive counts kept in each rollup row (and summed over months, regions or keys).
COUNTS = (
    "collected",
    "first_time",
    "replied",
    "unfixed",
    "on_time",
    "evaluated",
    "satisfied",
    "basic",
    "unsatisfied",
    "not_evaluated",
    "reworked",
    "escalated",
    "work_minutes",
    "work_items",
)

ANSWERED_SQL = "p.status IN ('replied', 'closed')"
# Answered without a fix (outside remit, not possible, withdrawn, duplicate): counted apart.
UNFIXED_SQL = "p.outcome IN ({})".format(", ".join(f"'{o.value}'" for o in UNFIXED_OUTCOMES))

# One row per item of the cohort, with 0/1 flags per count. ``{where}`` narrows it (month, region).
# The latest evaluation (any source: resident, staff callback or third party) is the one that counts.
ITEM_SQL = f"""
SELECT p.id,
       p.region_path,
       p.category_id,
       p.channel,
       p.unit_id,
       1 AS collected,
       p.first_time::int AS first_time,
       ({ANSWERED_SQL})::int AS replied,
       ({ANSWERED_SQL} AND {UNFIXED_SQL})::int AS unfixed,
       COALESCE(p.on_time, false)::int AS on_time,
       (e.rating IS NOT NULL)::int AS evaluated,
       COALESCE(e.rating = 'satisfied', false)::int AS satisfied,
       COALESCE(e.rating = 'basic', false)::int AS basic,
       COALESCE(e.rating = 'unsatisfied', false)::int AS unsatisfied,
       ({ANSWERED_SQL} AND e.rating IS NULL)::int AS not_evaluated,
       ({ANSWERED_SQL} AND p.rework_count > 0)::int AS reworked,
       (p.escalation_count > 0)::int AS escalated,
       CASE WHEN {ANSWERED_SQL} THEN COALESCE(p.work_minutes_to_reply, 0) ELSE 0 END AS work_minutes,
       ({ANSWERED_SQL} AND p.work_minutes_to_reply IS NOT NULL)::int AS work_items
FROM petitions_petition p
{LATEST_EVALUATION_JOIN}
WHERE p.status <> 'merged' AND {{where}}
"""  # noqa: S608 - fixed expressions; every value is a parameter

SUMS_SQL = ", ".join(f"COALESCE(sum(i.{name}), 0)::bigint AS {name}" for name in COUNTS)


def _rate(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


@dataclass(frozen=True)
class Figures:
    """The counts of a set of items and the rates computed from them (``None``: nothing to divide by)."""

    collected: int = 0
    first_time: int = 0
    replied: int = 0
    unfixed: int = 0
    on_time: int = 0
    evaluated: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    not_evaluated: int = 0
    reworked: int = 0
    escalated: int = 0
    work_minutes: int = 0
    work_items: int = 0

    @classmethod
    def of(cls, row) -> Figures:
        """From a mapping (a ``values()`` row or a dict) holding the counts; missing ones are 0."""
        return cls(**{name: int(row.get(name) or 0) for name in COUNTS})

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def __sub__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})

    @property
    def first_time_rate(self) -> Decimal | None:
        return _rate(self.first_time, self.collected)

    @property
    def feedback_rate(self) -> Decimal | None:
        return _rate(self.replied, self.collected)

    @property
    def unfixed_share(self) -> Decimal | None:
        return _rate(self.unfixed, self.replied)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _rate(self.on_time, self.replied)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _rate(self.satisfied + self.basic, self.evaluated)

    @property
    def not_evaluated_share(self) -> Decimal | None:
        return _rate(self.not_evaluated, self.replied)

    @property
    def rework_rate(self) -> Decimal | None:
        return _rate(self.reworked, self.replied)

    @property
    def escalation_rate(self) -> Decimal | None:
        return _rate(self.escalated, self.collected)

    @property
    def avg_work_hours(self) -> Decimal | None:
        """Average working hours from filing to reply, over replied items that have the figure."""
        if not self.work_items:
            return None
        return Decimal(self.work_minutes) / Decimal(self.work_items) / Decimal(60)


# The rates, in the order the pages show them: key, label, and the definition printed on the page
# and in the PDF. ``higher_is_better`` colours the month-on-month change.
@dataclass(frozen=True)
class RateSpec:
    key: str
    label: str
    definition: str
    higher_is_better: bool = True


RATES = (
    RateSpec(
        "first_time_rate",
        _("First-time resolution rate"),
        _(
            "Items fixed — replied or closed as fixed, not closed without a fix — without any rework (不满意 → 返工) "
            "and without being returned as wrongly routed (退回), divided by the items collected. Items solved on "
            "the spot count."
        ),
    ),
    RateSpec(
        "feedback_rate",
        _("Feedback-and-closure rate"),
        _(
            "Items replied to the resident or closed (反馈办结), divided by the items collected. It includes the "
            "items closed without a fix, which are also counted apart below."
        ),
    ),
    RateSpec(
        "unfixed_share",
        _("Closed without a fix"),
        _(
            "Replied or closed items whose outcome is not a fix — outside our remit, not possible under current "
            "policy, withdrawn by the resident, or a duplicate — divided by the replied or closed items. They "
            "never count as resolved."
        ),
        higher_is_better=False,
    ),
    RateSpec(
        "on_time_rate",
        _("On-time closure rate"),
        _(
            "Among replied or closed items, those whose latest reply came no later than their resolution deadline "
            "(in working time, paused while waiting for the resident). Items that never had a deadline, such as "
            "those solved on the spot, are on time."
        ),
    ),
    RateSpec(
        "satisfaction_rate",
        _("Satisfaction rate"),
        _(
            "Satisfied plus basically satisfied, divided by the evaluated items, using each item's latest "
            "evaluation (resident, staff callback or third party). Items nobody evaluated are never counted as "
            "satisfied; their share is shown beside it."
        ),
    ),
    RateSpec(
        "not_evaluated_share",
        _("Not evaluated"),
        _("Replied or closed items without any evaluation, divided by the replied or closed items."),
        higher_is_better=False,
    ),
    RateSpec(
        "rework_rate",
        _("Rework rate"),
        _(
            "Replied or closed items sent back for rework at least once after an unsatisfied evaluation, divided "
            "by the replied or closed items."
        ),
        higher_is_better=False,
    ),
    RateSpec(
        "escalation_rate",
        _("Escalation rate"),
        _("Items escalated at least once because a deadline was breached, divided by the items collected."),
        higher_is_better=False,
    ),
)

COLLECTED_DEFINITION = _(
    "Items filed in the period (month of filing, Asia/Shanghai time) from every channel, except duplicates merged "
    "into another item. Figures describe these items as they stand now."
)
WORK_HOURS_DEFINITION = _(
    "Average working hours (office hours on working days of the Chinese calendar) from filing to the latest "
    "reply, over the replied or closed items."
)


def percent(value: Decimal | None, places: int = 1) -> str:
    """ "93.5%" (half up), or "—" when there is nothing to divide by."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-places)
    return f"{(value * 100).quantize(quantum, rounding=ROUND_HALF_UP)}%"


def hours(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
