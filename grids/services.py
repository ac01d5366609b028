"""Writes to the region tree, handling units and role assignments."""

from __future__ import annotations

from collections.abc import Iterable

import pghistory
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import versions
from core.errors import DomainError
from grids.models import HandlingUnit, Region, RoleAssignment
from grids.permissions import forget_assignments
from grids.roles import Role


@transaction.atomic
def region_create(*, name: str, code: str, kind: str, parent: Region | None = None) -> Region:
    """Add a node under ``parent`` (or the root district). The kind must sit one level below it."""
    level = Region.LEVEL_OF_KIND.get(kind)
    if level is None:
        raise DomainError(_("Unknown region kind."), field="kind")
    if parent is None and level != 1:
        raise DomainError(_("Only a district can be the root of the region tree."), field="parent")
    if parent is not None and level != parent.level + 1:
        raise DomainError(
            _("A %(kind)s cannot be placed directly under a %(parent)s.")
            % {"kind": Region.Kind(kind).label, "parent": Region.Kind(parent.kind).label},
            field="kind",
        )
    if Region.objects.filter(code=code).exists():
        raise DomainError(_("A region with this administrative code already exists."), field="code")
    path = (parent.path if parent else "") + code + "/"
    with pghistory.context(action="region_create"):
        region = Region.objects.create(name=name, code=code, kind=kind, level=level, parent=parent, path=path)
    versions.bump(versions.CHOICES)
    return region


@transaction.atomic
def region_rename(*, region: Region, name: str) -> Region:
    region = Region.objects.select_for_update().get(pk=region.pk)
    region.name = name
    with pghistory.context(action="region_rename"):
        region.save(update_fields=["name"])
    versions.bump(versions.CHOICES)
    return region


@transaction.atomic
def unit_create(*, name: str, code: str, kind: str, regions: Iterable[Region], phone: str = "") -> HandlingUnit:
    if HandlingUnit.objects.filter(code=code).exists():
        raise DomainError(_("A handling unit with this code already exists."), field="code")
    with pghistory.context(action="unit_create"):
        unit = HandlingUnit.objects.create(name=name, code=code, kind=kind, phone=phone)
        unit.regions.set(list(regions))
    versions.bump(versions.CHOICES)
    return unit


@transaction.atomic
def unit_save(*, unit: HandlingUnit, regions: Iterable[Region] | None = None) -> HandlingUnit:
    """Save an edited unit (name, kind, phone, whether it is active) and, given, the regions it covers."""
    with pghistory.context(action="unit_change"):
        unit.save()
        if regions is not None:
            unit.regions.set(list(regions))
    versions.bump(versions.CHOICES)
    return unit


@transaction.atomic
def unit_delete(*, unit: HandlingUnit) -> None:
    with pghistory.context(action="unit_delete"):
        unit.delete()
    versions.bump(versions.CHOICES)


@transaction.atomic
def role_assign(*, user, role: str, region: Region, unit: HandlingUnit | None = None) -> RoleAssignment:
    """Give ``user`` a role over ``region``; assigning the same role twice returns the first."""
    if role not in Role.values:
        raise DomainError(_("Unknown role."), field="role")
    if role == Role.HANDLER and unit is None:
        raise DomainError(_("A handling-unit role needs a handling unit."), field="unit")
    if role != Role.HANDLER:
        unit = None
    existing = RoleAssignment.objects.filter(user=user, role=role, region=region, unit=unit).first()
    if existing:
        return existing
    try:
        with transaction.atomic(), pghistory.context(action="role_assign"):
            assignment = RoleAssignment.objects.create(user=user, role=role, region=region, unit=unit)
    except IntegrityError:
        assignment = RoleAssignment.objects.get(user=user, role=role, region=region, unit=unit)
    forget_assignments(user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment) -> None:
    with pghistory.context(action="role_revoke"):
        assignment.delete()
