"""Runs the authorization matrix of tests/authz.py against every named URL."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grids.roles import Role
from tests.authz import ANON, EXEMPT_NAMES, EXEMPT_NAMESPACES, MATRIX, NO_ROLE, PRINCIPALS, row_modules
from tests.grids import factories


def _named_urls(resolver=None, namespace: str | None = None) -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns in EXEMPT_NAMESPACES:
                continue
            inner = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            names |= _named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            if name not in EXEMPT_NAMES:
                names.add(name)
    return names


def test_every_url_has_a_matrix_row():
    urls = _named_urls()
    missing = sorted(urls - set(MATRIX))
    assert not missing, f"URLs without a row in tests/authz.py MATRIX: {missing}"
    stale = sorted(name for name in set(MATRIX) - urls if name.split(":")[0] not in EXEMPT_NAMESPACES)
    assert not stale, f"Rows for URLs that no longer exist: {stale}"


@dataclass
class Foreign:
    district: object
    street: object
    unit: object


@dataclass
class World:
    """Everything a matrix row may point at. ``objects`` holds what rows' ``build`` hooks add."""

    tree: object
    foreign: Foreign
    users: dict
    objects: dict = field(default_factory=dict)

    def home_region(self, principal: str):
        if principal in (ANON, NO_ROLE):
            return self.tree.grid_a
        return self.users[principal].role_assignments.first().region


BINDINGS = {
    Role.RESIDENT: "compound_a",
    Role.GRID_LEADER: "grid_a",
    Role.COMMUNITY_STAFF: "community_a",
    Role.STREET_STAFF: "street_a",
    Role.HANDLER: "street_a",
    Role.DISTRICT_STAFF: "district",
    Role.VOLUNTEER_COORDINATOR: "street_a",
    Role.FUND_MANAGER: "street_a",
    Role.PANEL_MEMBER: "community_a",
    Role.EVALUATOR: "district",
    Role.ADMIN: "district",
}


@pytest.fixture
def world(tree) -> World:
    other = factories.region(name="北仑区")
    foreign = Foreign(district=other, street=factories.region(parent=other, name="新碶街道"), unit=None)
    foreign.unit = factories.unit(regions=[foreign.street], name="新碶城管")
    users = {NO_ROLE: factories.user(username="nobody")}
    for role, where in BINDINGS.items():
        unit = tree.unit_a if role == Role.HANDLER else None
        users[role.value] = factories.user(
            username=f"m_{role.value}", role=role, region=getattr(tree, where), unit=unit
        )
    users[Role.ADMIN.value].is_staff = users[Role.ADMIN.value].is_superuser = True
    users[Role.ADMIN.value].save(update_fields=["is_staff", "is_superuser"])
    built = World(tree=tree, foreign=foreign, users=users)
    for module in row_modules():
        hook = getattr(module, "build", None)
        if hook:
            hook(built)
    return built


def _client_for(world: World, principal: str) -> Client:
    client = Client()
    if principal == ANON:
        return client
    user = world.users[principal]
    client.force_login(user)
    if principal == Role.ADMIN:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        response = client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
        assert response.status_code == 302, "admin failed the second factor in the matrix setup"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_matrix(url_name, world):
    row = MATRIX[url_name]
    failures = []
    for principal in PRINCIPALS:
        client = _client_for(world, principal)
        cases = [("inside", row.inside, row.expect)]
        if row.outside:
            cases.append(("outside", row.outside, row.outside_expect))
        for label, build, expect in cases:
            url = reverse(url_name, kwargs=build(world, principal) if build else None)
            if row.method == "get":
                status = client.get(url).status_code
            else:
                body = row.data(world, principal) if row.data else {}
                send = getattr(client, row.method)
                kwargs = {"content_type": row.content_type} if row.content_type else {}
                status = send(url, body, **kwargs).status_code
            if status != expect[principal]:
                failures.append(f"{principal:22} {label:7} {url}: got {status}, expected {expect[principal]}")
    assert not failures, "\n".join(failures)
