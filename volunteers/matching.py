"""Matching volunteers to opportunities, with the reasons shown to the coordinator.

Hard requirements are one SQL statement (``eligible``): the service type, at least one of the
skills asked for (array overlap, GIN index), a weekly availability window overlapping the
opportunity's time of day on its weekday, valid accident insurance when required, a home region in
the opportunity's street, no overlapping booking already. The score of each candidate (0–100) is
computed from that row: skill fit (40), nearness in the region tree (30), fewer recent sign-ups
first — fairness (20), reliability — sign-ups not cancelled (10). Each part gives its reason.

``batch_fill`` fills many opportunities at once, maximising the total score with SciPy's
assignment solver; ``greedy_fill`` is the baseline it is tested against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment

from grids.models import ancestor_paths
from volunteers.models import Availability, Opportunity, Signup, SignupStatus, Volunteer

RECENT_DAYS = 90
WEIGHTS = {"skills": 40, "near": 30, "fair": 20, "reliable": 10}
STREET_LEVEL = 2  # district (1) → street (2): candidates come from the opportunity's street


@dataclass
class Suggestion:
    volunteer: Volunteer
    score: int
    reasons: list[str] = field(default_factory=list)


def _street_path(path: str) -> str:
    paths = ancestor_paths(path)
    return paths[min(STREET_LEVEL, len(paths)) - 1]


def hard_filter(opportunity: Opportunity) -> QuerySet[Volunteer]:
    """Volunteers who meet every hard requirement of ``opportunity`` (the bench compares the
    suggestions with this statement alone)."""
    start = timezone.localtime(opportunity.during.lower)
    end = timezone.localtime(opportunity.during.upper)
    end_time = end.time() if end.date() == start.date() else dt.time.max
    windows = Availability.objects.filter(
        volunteer=OuterRef("pk"), weekday=start.weekday(), start__lt=end_time, end__gt=start.time()
    )
    busy = Signup.objects.filter(
        volunteer=OuterRef("pk"), status=SignupStatus.ACTIVE, during__overlap=opportunity.during
    )
    qs = Volunteer.objects.filter(
        service_types=opportunity.service_type_id,
        region__path__startswith=_street_path(opportunity.region_path),
    ).filter(Exists(windows), ~Exists(busy))
    if opportunity.skills:
        qs = qs.filter(skills__overlap=opportunity.skills)
    if opportunity.insurance_required:
        qs = qs.filter(insured_until__gte=timezone.localdate(opportunity.during.upper))
    return qs


def _signup_count(**conditions) -> Coalesce:
    """How many of the volunteer's sign-ups meet ``conditions``: a correlated count on the sign-ups'
    volunteer index, so the candidates are neither joined to all their sign-ups nor grouped."""
    counted = (
        Signup.objects.filter(volunteer=OuterRef("pk"), **conditions)
        .order_by()
        .values("volunteer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def eligible(opportunity: Opportunity) -> QuerySet[Volunteer]:
    """Volunteers who meet every hard requirement of ``opportunity``, with the figures the score needs
    (only the columns it reads: the number, skills and home region's path)."""
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    return (
        hard_filter(opportunity)
        .only("pk", "number", "skills", "region_id")
        .annotate(
            home_path=F("region__path"),
            recent=_signup_count(created_at__gte=since, status=SignupStatus.ACTIVE),
            cancelled=_signup_count(status=SignupStatus.CANCELLED),
            total=_signup_count(),
        )
    )


def score(opportunity: Opportunity, volunteer: Volunteer) -> Suggestion:
    """The score of one eligible volunteer (annotated by ``eligible``) and its reasons."""
    reasons = []
    if opportunity.skills:
        matched = sorted(set(volunteer.skills) & set(opportunity.skills))
        skill_fit = len(matched) / len(opportunity.skills)
        reasons.append(
            _("Has %(matched)d of %(needed)d skills asked for: %(skills)s")
            % {"matched": len(matched), "needed": len(opportunity.skills), "skills": "、".join(matched)}
        )
    else:
        skill_fit = 1.0
        reasons.append(_("No particular skill asked for"))
    mine, theirs = ancestor_paths(volunteer.home_path), ancestor_paths(opportunity.region_path)
    shared = sum(1 for a, b in zip(mine, theirs, strict=False) if a == b)
    depth = max(len(theirs), 1)
    near = min(shared, depth) / depth
    if volunteer.home_path.startswith(opportunity.region_path) or opportunity.region_path.startswith(
        volunteer.home_path
    ):
        reasons.append(_("Lives where the opportunity is"))
    else:
        reasons.append(_("Lives in the same street"))
    fair = 1.0 / (1 + volunteer.recent)
    reasons.append(_("%(count)d sign-ups in the last %(days)d days") % {"count": volunteer.recent, "days": RECENT_DAYS})
    if volunteer.total:
        reliable = 1 - volunteer.cancelled / volunteer.total
        reasons.append(
            _("Kept %(kept)d of %(total)d sign-ups")
            % {"kept": volunteer.total - volunteer.cancelled, "total": volunteer.total}
        )
    else:
        reliable = 0.5
        reasons.append(_("No sign-ups yet"))
    total = (
        WEIGHTS["skills"] * skill_fit + WEIGHTS["near"] * near + WEIGHTS["fair"] * fair + WEIGHTS["reliable"] * reliable
    )
    return Suggestion(volunteer, max(1, round(total)), reasons)


def suggestions(opportunity: Opportunity, *, limit: int = 20) -> list[Suggestion]:
    """Eligible volunteers, best first (one query)."""
    ranked = [score(opportunity, v) for v in eligible(opportunity).order_by("id")]
    ranked.sort(key=lambda s: (-s.score, s.volunteer.pk))
    return ranked[:limit]


# --- Batch --------------------------------------------------------------------------------------------


@dataclass
class Slot:
    """One free place of an opportunity."""

    opportunity: Opportunity
    index: int


def _places_left(opportunities: Sequence[Opportunity]) -> dict[int, int]:
    taken = dict(
        Signup.objects.filter(opportunity__in=opportunities, status=SignupStatus.ACTIVE)
        .values_list("opportunity")
        .annotate(n=Count("id"))
    )
    return {o.pk: max(0, o.places - taken.get(o.pk, 0)) for o in opportunities}


def score_table(opportunities: Sequence[Opportunity]) -> tuple[list[Slot], list[Volunteer], np.ndarray]:
    """Slots (one per free place) × candidate volunteers → score (0 where not eligible).

    Two opportunities whose times overlap may want the same volunteer; the assignment gives each
    volunteer one slot per batch, so nobody is booked twice by it."""
    left = _places_left(opportunities)
    slots = [Slot(o, i) for o in opportunities for i in range(left[o.pk])]
    per_opportunity: dict[int, dict[int, int]] = {}
    people: dict[int, Volunteer] = {}
    for opportunity in opportunities:
        if not left[opportunity.pk]:
            continue
        found = {}
        for volunteer in eligible(opportunity):
            found[volunteer.pk] = score(opportunity, volunteer).score
            people.setdefault(volunteer.pk, volunteer)
        per_opportunity[opportunity.pk] = found
    columns = sorted(people)
    table = np.zeros((len(slots), len(columns)))
    position = {pk: j for j, pk in enumerate(columns)}
    for i, slot in enumerate(slots):
        for pk, value in per_opportunity.get(slot.opportunity.pk, {}).items():
            table[i, position[pk]] = value
    return slots, [people[pk] for pk in columns], table


def assign(table: np.ndarray) -> list[tuple[int, int]]:
    """The (slot, volunteer) pairs of the highest total score (pairs scoring 0 are dropped)."""
    if table.size == 0:
        return []
    rows, cols = linear_sum_assignment(table, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if table[r, c] > 0]


def greedy(table: np.ndarray) -> list[tuple[int, int]]:
    """The baseline: take the best remaining pair until none is left."""
    rows, cols = np.nonzero(table > 0)  # only the eligible pairs: the table is mostly zeros
    order = np.lexsort((cols, rows, -table[rows, cols]))
    used_rows, used_cols, chosen = set(), set(), []
    for r, c in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if r not in used_rows and c not in used_cols:
            used_rows.add(r)
            used_cols.add(c)
            chosen.append((int(r), int(c)))
    return chosen


def total(table: np.ndarray, pairs: list[tuple[int, int]]) -> float:
    return float(sum(table[r, c] for r, c in pairs))
