"""One FilterSet per listed model of grid work. Built for a user, the region choices are the ones
the user may see: a filter narrows the scope, never widens it."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import DateFilter, FilterForm
from gridwork import permissions
from gridwork.models import FieldDay, Meeting, MeetingKind
from petitions.filters import RegionFilter


class _ScopedFilterSet(django_filters.FilterSet):
    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["region"].queryset = permissions.regions(user, permissions.VIEW, levels=(2, 3, 4, 5))


class FieldDayFilter(_ScopedFilterSet):
    date_from = DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = DateFilter(field_name="date", lookup_expr="lte", label=_("To"))
    region = RegionFilter(label=_("Region"))

    class Meta:
        model = FieldDay
        fields: list[str] = []
        form = FilterForm


class MeetingFilter(_ScopedFilterSet):
    date_from = DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = DateFilter(field_name="date", lookup_expr="lte", label=_("To"))
    region = RegionFilter(label=_("Region"))
    kind = django_filters.ModelChoiceFilter(queryset=MeetingKind.objects.filter(is_active=True), label=_("Kind"))

    class Meta:
        model = Meeting
        fields: list[str] = []
        form = FilterForm
