from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grids import selectors
from grids.models import HandlingUnit, Region
from grids.permissions import may


def _staff_only(request: HttpRequest, action: str) -> None:
    if not may(request.user, action):
        raise Http404


@login_required
@require_GET
def region_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request, "grids.view_region")
    roots = selectors.region_roots(user=request.user)
    return render(request, "grids/region_list.html", {"roots": roots})


@login_required
@require_GET
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request, "grids.view_region")
    try:
        region = selectors.region_get(user=request.user, pk=pk)
    except Region.DoesNotExist:
        raise Http404 from None
    children = selectors.region_list(user=request.user, parent=region)
    if request.htmx:
        return render(request, "grids/_region_children.html", {"children": children})
    context = {
        "region": region,
        "ancestors": selectors.region_ancestors(region),
        "children": children,
        "units": region.handling_units.order_by("code"),
        "descendant_count": selectors.region_descendants(region, include_self=False).count(),
        "history": selectors.region_history(user=request.user, region=region),
    }
    return render(request, "grids/region_detail.html", context)


@login_required
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request, "grids.view_unit")
    units = selectors.unit_list(user=request.user).prefetch_related("regions")
    return render(request, "grids/unit_list.html", {"units": units})


@login_required
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request, "grids.view_unit")
    try:
        unit = selectors.unit_get(user=request.user, pk=pk)
    except HandlingUnit.DoesNotExist:
        raise Http404 from None
    context = {"unit": unit, "regions": unit.regions.order_by("path"), "staff": selectors.unit_staff(unit)}
    return render(request, "grids/unit_detail.html", context)
