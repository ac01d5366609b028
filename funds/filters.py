"""One FilterSet for the funds lists (the public list and the fund managers' list). Applied after
scoping: a filter narrows what the viewer may see, never widens it. Built for a user, the region
choices are the nodes (streets and communities) inside the user's scope; signed out, every street and
community (the public list shows every fund)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import FilterForm
from funds import permissions
from funds.models import Fund, FundKind
from grids.models import Region
from grids.permissions import scope_by_region

REGION_LEVELS = (2, 3)  # streets and communities; deeper nodes still work from a link


class FundFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or purpose"), max_length=50)
    kind = django_filters.ChoiceFilter(choices=FundKind.choices, label=_("Kind of fund"))
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.none(), method="filter_region", label=_("Region"))

    class Meta:
        model = Fund
        fields: list[str] = []
        form = FilterForm

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        regions = Region.objects.filter(level__in=REGION_LEVELS).order_by("path")
        if user is not None:
            regions = scope_by_region(regions, user=user, action=permissions.MANAGE, path_lookup="path")
        self.filters["region"].queryset = regions

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(purpose__icontains=value)) if value else qs

    def filter_region(self, qs, name, value):
        return qs.filter(region__path__startswith=value.path) if value else qs
