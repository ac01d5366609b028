"""Factories for the region tree, handling units and users with roles."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from grids import services
from grids.models import HandlingUnit, Region

_codes = itertools.count(1)
PASSWORD = "Test-pass-2026"


def region(*, parent: Region | None = None, kind: str | None = None, name: str | None = None) -> Region:
    kind = (
        kind
        or {None: "district", 1: "street", 2: "community", 3: "compound", 4: "grid"}[parent.level if parent else None]
    )
    code = f"T{next(_codes):06d}"
    return services.region_create(name=name or f"{kind}-{code}", code=code, kind=kind, parent=parent)


def unit(*, regions, name: str = "", kind: str = "urban_management") -> HandlingUnit:
    code = f"U{next(_codes):05d}"
    return services.unit_create(name=name or f"unit-{code}", code=code, kind=kind, regions=regions)


def user(*, username: str | None = None, role: str | None = None, region: Region | None = None, unit=None, phone=None):
    username = username or f"user{next(_codes)}"
    account = get_user_model().objects.create_user(username=username, password=PASSWORD, phone=phone)
    if role:
        services.role_assign(user=account, role=role, region=region, unit=unit)
    return account
