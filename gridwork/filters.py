"""One FilterSet per listed model of grid work. Built for a user, the region choices are the ones
the user may see: a filter narrows the scope, never widens it."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import BooleanFilter, DateFilter, FilterForm
from gridwork import permissions
from gridwork.models import FieldDay, Household, Meeting, MeetingKind, Reception, ServiceCentre, ServiceItem
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


class ServiceItemFilter(django_filters.FilterSet):
    """The public catalogue's search: words in the name or the documents, and one-visit items only."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=50)
    one_visit = BooleanFilter(label=_("Done in one visit"))

    class Meta:
        model = ServiceItem
        fields: list[str] = []
        form = FilterForm

    def filter_q(self, qs, name, value):
        value = value.strip()
        return (
            qs.filter(Q(name__icontains=value) | Q(documents__icontains=value) | Q(group__icontains=value))
            if value
            else qs
        )


class ReceptionFilter(django_filters.FilterSet):
    date_from = DateFilter(field_name="asked_at", lookup_expr="date__gte", label=_("From"))
    date_to = DateFilter(field_name="asked_at", lookup_expr="date__lte", label=_("To"))
    centre = django_filters.ModelChoiceFilter(queryset=ServiceCentre.objects.none(), label=_("Service centre"))
    referred = BooleanFilter(method="filter_referred", label=_("Referred elsewhere"))

    class Meta:
        model = Reception
        fields: list[str] = []
        form = FilterForm

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["centre"].queryset = permissions.scope(ServiceCentre.objects.all(), user).order_by("region_path")

    def filter_referred(self, qs, name, value):
        if value is None:
            return qs
        return qs.exclude(referred_to="") if value else qs.filter(referred_to="")


class HouseholdFilter(_ScopedFilterSet):
    """The register's filters; the period (``visited_from``/``visited_to``) is the visit rate's."""

    region = RegionFilter(label=_("Region"))
    building = django_filters.CharFilter(label=_("Building"), max_length=16)
    visited_from = DateFilter(method="no_filter", label=_("Visits from"))
    visited_to = DateFilter(method="no_filter", label=_("Visits to"))

    class Meta:
        model = Household
        fields: list[str] = []
        form = FilterForm

    def no_filter(self, qs, name, value):
        return qs  # the period of the visit rate, not a filter on households
