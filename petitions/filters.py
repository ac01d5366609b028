"""One FilterSet for the triage queue page and the API list (STYLE.md)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import HandlingUnit, Region
from petitions.models import OPEN_STATUSES, Category, Channel, Deadline, Klass, Petition, Status

SORTS = {"newest": "-id", "oldest": "id", "due": "next_due_at"}


class PetitionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Status.choices)
    open = django_filters.BooleanFilter(label=_("Open items only"), method="filter_open")
    klass = django_filters.ChoiceFilter(label=_("Class"), choices=Klass.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), to_field_name="code"
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=Region.objects.all(), method="filter_region")
    unit = django_filters.ModelChoiceFilter(label=_("Handling unit"), queryset=HandlingUnit.objects.all())
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    due_soon = django_filters.BooleanFilter(label=_("Due within a day"), method="filter_due_soon")
    escalated = django_filters.BooleanFilter(label=_("Escalated"), method="filter_escalated")
    unclaimed = django_filters.BooleanFilter(label=_("Unclaimed"), method="filter_unclaimed")
    q = django_filters.CharFilter(label=_("Tracking code"), method="filter_code")
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=[("newest", _("Newest first")), ("oldest", _("Oldest first")), ("due", _("Due soonest"))],
        method="filter_noop",
        empty_label=None,
    )

    class Meta:
        model = Petition
        fields = ["status", "klass", "category", "channel", "region", "unit"]

    def filter_noop(self, queryset, name, value):
        return queryset  # the sort is applied by the keyset paginator

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_region(self, queryset, name, value):
        # Narrows within the caller's scope (applied after scoping): it can never widen it.
        return queryset.filter(region_path__startswith=value.path) if value else queryset

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

    def filter_code(self, queryset, name, value):
        value = (value or "").strip().upper()
        return queryset.filter(tracking_code=value) if value else queryset

    @property
    def ordering(self) -> str:
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return SORTS.get(data.get("sort") or "newest", "-id")
