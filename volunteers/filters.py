"""FilterSets of the volunteers app's lists (django-filter). Applied after the selectors have scoped
the rows to the viewer's regions: a filter narrows the scope, never widens it."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import FilterForm
from volunteers.models import Opportunity, OpportunityStatus, Organisation, ServiceType


class OrganisationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("Name contains"), lookup_expr="icontains", max_length=50)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Organisation.Kind.choices)

    class Meta:
        model = Organisation
        fields: list[str] = []
        form = FilterForm


class OpportunityFilter(django_filters.FilterSet):
    title = django_filters.CharFilter(label=_("Title contains"), lookup_expr="icontains", max_length=50)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OpportunityStatus.choices)
    service_type = django_filters.ModelChoiceFilter(
        label=_("Service type"), queryset=ServiceType.objects.filter(active=True)
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []
        form = FilterForm
