"""Reads of the region tree and handling units, scoped to the user first."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from grids.models import HandlingUnit, Region, RoleAssignment, ancestor_paths
from grids.permissions import assignments, region_condition, region_paths, scope_by_region
from grids.roles import Role


def region_descendants(region: Region, *, include_self: bool = True) -> QuerySet[Region]:
    """Every node below ``region``: one indexed ``LIKE 'path%'`` query."""
    qs = Region.objects.filter(path__startswith=region.path)
    return qs if include_self else qs.exclude(pk=region.pk)


def region_list(*, user, parent: Region | None = None) -> QuerySet[Region]:
    """Regions the user may see; with ``parent``, only its children."""
    qs = scope_by_region(Region.objects.all(), user=user, action="grids.view_region", path_lookup="path")
    if parent is not None:
        qs = qs.filter(parent=parent)
    return qs.order_by("path")


def region_roots(*, user) -> QuerySet[Region]:
    """The top nodes of the user's scope (where their assignments are bound)."""
    return Region.objects.filter(path__in=region_paths(user, "grids.view_region")).order_by("path")


def region_get(*, user, pk: int) -> Region:
    """A region in the user's scope; raises Region.DoesNotExist otherwise (a 404 in views)."""
    return region_list(user=user).select_related("parent").get(pk=pk)


def region_ancestors(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__in=region.ancestor_paths()).order_by("level")


def unit_list(*, user) -> QuerySet[HandlingUnit]:
    """Handling units the user may see.

    A handler sees the units it is assigned to. Other staff see the units covering any region that
    overlaps their scope: inside it, or above it (a district-wide unit also serves a community).
    """
    units = HandlingUnit.objects.all()
    own_units = [a.unit_id for a in assignments(user) if a.role == Role.HANDLER and a.unit_id]
    paths = list(region_paths(user, "grids.view_unit"))
    other_paths = [a.region.path for a in assignments(user) if a.role != Role.HANDLER and a.region.path in paths]
    condition = Q(pk__in=own_units)
    if other_paths:
        covered = Region.objects.filter(handling_units=OuterRef("pk")).filter(
            region_condition(other_paths, "path")
            | Q(path__in=sorted({a for p in other_paths for a in ancestor_paths(p)}))
        )
        condition |= Q(Exists(covered))
    return units.filter(condition).order_by("code")


def unit_get(*, user, pk: int) -> HandlingUnit:
    return unit_list(user=user).get(pk=pk)


def unit_staff(unit: HandlingUnit) -> QuerySet[RoleAssignment]:
    return unit.role_assignments.select_related("user", "region").order_by("user__username")


def region_history(*, user, region: Region) -> list:
    """Audit events of one region (who, what, when, changes), newest first; empty without the right."""
    from grids.permissions import may

    if not may(user, "grids.view_history"):
        return []
    from core.audit import object_history

    return object_history(region)
