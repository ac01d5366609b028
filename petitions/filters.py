"""One FilterSet for the triage queue page, the API list and the exports (STYLE.md).

Built for a user, its region and unit choices are those the user may see: a filter can narrow the
scope, never widen it, and an id outside the scope is refused like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import BooleanFilter, DateFilter, FilterForm
from grids.models import HandlingUnit, Region
from grids.permissions import region_condition, region_paths
from petitions import permissions
from petitions.models import (
    ANSWERED_STATUSES,
    OPEN_STATUSES,
    UNFIXED_OUTCOMES,
    Category,
    Channel,
    Deadline,
    Evaluation,
    Klass,
    Outcome,
    Petition,
    Status,
)

SORTS = {"newest": "-id", "oldest": "id", "due": "next_due_at"}
# The region filter offers the nodes down to communities; deeper nodes still work from a link.
REGION_FILTER_MAX_LEVEL = 3

RATED_CHOICES = [
    ("satisfied", _("Satisfied")),
    ("basic", _("Basically satisfied")),
    ("good", _("Satisfied or basically satisfied")),
    ("unsatisfied", _("Unsatisfied")),
    ("any", _("Evaluated")),
    ("none", _("Not evaluated")),
]

OUTCOME_CHOICES = [
    ("unfixed", _("Closed without a fix (any reason)")),
    *[(o.value, o.label) for o in Outcome],
]


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _active_categories(request) -> QuerySet[Category]:
    # A callable, not a queryset: django-filter deep-copies the declared filters for every filterset,
    # and a function is copied for nothing.
    return Category.objects.filter(is_active=True)


class RegionChoiceField(forms.ModelChoiceField):
    """Regions indented by their level below the district."""

    def label_from_instance(self, obj: Region) -> str:
        return "\u3000" * max(0, obj.level - 1) + obj.name


class RegionFilter(django_filters.ModelChoiceFilter):
    """A region and everything below it."""

    field_class = RegionChoiceField

    def filter(self, qs, value):
        # Applied after scoping: it can only narrow the scope.
        return qs.filter(region_path__startswith=value.path) if value else qs


class PetitionFilter(django_filters.FilterSet):
    # Not DISTINCT (the library's default for this filter): every filter here is on the petition's
    # own row or an EXISTS, so no row can repeat.
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Status.choices, distinct=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    open = BooleanFilter(label=_("Open items only"), method="filter_open")
    klass = django_filters.ChoiceFilter(label=_("Class"), choices=Klass.choices)
    category = django_filters.ModelChoiceFilter(label=_("Category"), queryset=_active_categories, to_field_name="code")
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    # Filled in for the user (``__init__``): a filter never offers what is outside their scope.
    region = RegionFilter(label=_("Region"), queryset=lambda request: Region.objects.none())
    unit = django_filters.ModelChoiceFilter(
        label=_("Handling unit"), queryset=lambda request: HandlingUnit.objects.none()
    )
    overdue = BooleanFilter(label=_("Overdue"), method="filter_overdue")
    due_soon = BooleanFilter(label=_("Due within a day"), method="filter_due_soon")
    escalated = BooleanFilter(label=_("Escalated"), method="filter_escalated")
    unclaimed = BooleanFilter(label=_("Unclaimed"), method="filter_unclaimed")
    filed_from = DateFilter(label=_("Filed on or after"), method="filter_filed_from")
    filed_to = DateFilter(label=_("Filed on or before"), method="filter_filed_to")
    no_unit = BooleanFilter(label=_("Without a handling unit"), field_name="unit", lookup_expr="isnull")
    # The same stored definitions the reports count (Petition.first_time, Petition.on_time).
    first_time = BooleanFilter(label=_("Resolved the first time"))
    on_time = BooleanFilter(label=_("Replied on time"))
    reworked = BooleanFilter(label=_("Reworked"), method="filter_reworked")
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=OUTCOME_CHOICES, method="filter_outcome")
    rated = django_filters.ChoiceFilter(label=_("Latest evaluation"), choices=RATED_CHOICES, method="filter_rated")
    q = django_filters.CharFilter(label=_("Tracking code"), method="filter_code", max_length=32)
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=[("newest", _("Newest first")), ("oldest", _("Oldest first")), ("due", _("Due soonest"))],
        method="filter_noop",
        empty_label=None,
    )

    class Meta:
        model = Petition
        fields = ["status", "klass", "category", "channel", "region", "unit"]
        form = FilterForm

    def __init__(self, data=None, queryset: QuerySet | None = None, *, user=None, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        if user is not None:
            from grids.selectors import unit_list

            paths = region_paths(user, permissions.VIEW)
            self.filters["region"].queryset = Region.objects.filter(region_condition(paths, "path")).order_by("path")
            self.filters["unit"].queryset = unit_list(user=user)

    def drawn_form(self):
        """The filter form to show. Its region select offers the scope down to communities (and the
        region chosen, which may lie deeper); every node of the scope is still a valid choice."""
        form = self.form
        chosen = form["region"].value()
        shown = Q(level__lte=REGION_FILTER_MAX_LEVEL)
        if str(chosen or "").isdigit():
            shown |= Q(pk=int(chosen))
        form.fields["region"].queryset = self.filters["region"].queryset.filter(shown)
        return form

    def filter_noop(self, queryset, name, value):
        return queryset  # the sort is applied by the keyset paginator

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def _deadline(self, condition: Q):
        return Exists(Deadline.objects.filter(condition, petition=OuterRef("pk"), met_at__isnull=True))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = self._deadline(Q(due_at__lte=timezone.now(), paused_at__isnull=True))
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_due_soon(self, queryset, name, value):
        if not value:
            return queryset
        now = timezone.now()
        return queryset.filter(self._deadline(Q(due_at__gt=now, due_at__lte=now + dt.timedelta(days=1))))

    def filter_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(escalation_count__gt=0) if value else queryset.filter(escalation_count=0)

    def filter_unclaimed(self, queryset, name, value):
        return queryset.filter(claimed_by__isnull=True) if value else queryset

    def filter_filed_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_local_midnight(value))

    def filter_filed_to(self, queryset, name, value):
        # Inclusive: everything filed before the next day's midnight (Asia/Shanghai).
        return queryset.filter(created_at__lt=_local_midnight(value + dt.timedelta(days=1)))

    def filter_reworked(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(rework_count__gt=0) if value else queryset.filter(rework_count=0)

    def filter_outcome(self, queryset, name, value):
        """Answered items by how they ended (``Petition.outcome`` is blank while an item is open)."""
        answered = queryset.filter(status__in=ANSWERED_STATUSES)
        if value == "unfixed":
            return answered.filter(outcome__in=UNFIXED_OUTCOMES)
        return answered.filter(outcome=value)

    def filter_rated(self, queryset, name, value):
        """By each item's latest evaluation (resident, callback or third party, the newest wins)."""
        evaluations = Evaluation.objects.filter(petition=OuterRef("pk"))
        if value in ("any", "none"):
            exists = Exists(evaluations)
            return queryset.filter(exists) if value == "any" else queryset.exclude(exists)
        latest = Subquery(evaluations.order_by("-created_at", "-id").values("rating")[:1])
        ratings = {"good": [Evaluation.Rating.SATISFIED, Evaluation.Rating.BASIC]}.get(value, [value])
        return queryset.alias(latest_rating=latest).filter(latest_rating__in=ratings)

    def filter_code(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(tracking_code=value) if value else queryset

    @property
    def ordering(self) -> str:
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return SORTS.get(data.get("sort") or "newest", "-id")
