"""Runs the authorization matrix of tests/authz.py against every named URL."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grids.roles import Role
from tests.authz import ANON, EXEMPT_NAMES, EXEMPT_NAMESPACES, MATRIX, METHODS, MULTI, NO_ROLE, PRINCIPALS, row_modules
from tests.grids import factories


def _named_urls(resolver=None, namespace: str | None = None, unnamed: list | None = None) -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns in EXEMPT_NAMESPACES:
                continue
            inner = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            names |= _named_urls(entry, inner, unnamed)
        elif isinstance(entry, URLPattern):
            if not entry.name:
                if unnamed is not None:
                    unnamed.append(str(entry.pattern))
                continue
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            if name not in EXEMPT_NAMES:
                names.add(name)
    return names


def test_every_url_has_a_matrix_row():
    unnamed: list[str] = []
    urls = _named_urls(unnamed=unnamed)
    assert not unnamed, f"URL patterns without a name (the matrix cannot check them): {unnamed}"
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
        if principal == MULTI:
            return self.tree.grid_a
        return self.users[principal].role_assignments.first().region

    def sibling_region(self, principal: str):
        """The node right next to the principal's own (same level, same parent): out of its scope."""
        if principal in (ANON, NO_ROLE, MULTI):
            return self.tree.grid_a2
        return SIBLINGS[BINDINGS[Role(principal)]](self)


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


# The node next to each binding: the grid, compound and community beside street A's, street B beside
# street A, and another district beside this one.
SIBLINGS = {
    "grid_a": lambda world: world.tree.grid_a2,
    "compound_a": lambda world: world.tree.compound_a2,
    "community_a": lambda world: world.tree.community_a2,
    "street_a": lambda world: world.tree.street_b,
    "district": lambda world: world.foreign.district,
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
    users[MULTI] = factories.user(username="m_multi", role=Role.STREET_STAFF, region=tree.street_b)
    from grids.services import role_assign

    role_assign(user=users[MULTI], role=Role.GRID_LEADER, region=tree.grid_a)
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


def _served(status: int) -> bool:
    return status < 400


def _reached(response) -> bool:
    """The view itself answered: not an error, not the sign-in (or second-factor) redirect."""
    if response.status_code >= 400:
        return False
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    return not location.startswith((reverse("accounts:login"), reverse("accounts:otp"), "/admin/login/"))


def _multi_expectation(row, table: dict[str, int]) -> int:
    """What ``multi`` should get: a row's objects lie in grid A (or outside), so there it acts as the
    grid leader; a page without an object serves it as the more powerful of its two roles."""
    if MULTI in table:
        return table[MULTI]
    leader, street = table[Role.GRID_LEADER.value], table[Role.STREET_STAFF.value]
    if row.inside is not None:
        return leader
    return leader if _served(leader) or not _served(street) else street


def _send(client: Client, method: str, url: str, row, world, principal: str):
    if method == "get":
        return client.get(url)
    body = row.data(world, principal) if row.data else {}
    kwargs = {"content_type": row.content_type} if row.content_type else {}
    if method != "post" and not row.content_type:
        kwargs["content_type"] = "application/x-www-form-urlencoded"
        body = ""
    return getattr(client, method)(url, body, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_matrix(url_name, world, settings):
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = "10000/minute"  # every principal, every method
    row = MATRIX[url_name]
    failures = []
    for principal in [*PRINCIPALS, MULTI]:
        client = _client_for(world, principal)
        served = None  # a URL this principal reached: every method it does not accept must be 405
        for method in row.methods:
            table = row.expected(method)
            expect = _multi_expectation(row, table) if principal == MULTI else table[principal]
            cases = [("inside", row.inside, expect)]
            if row.outside:
                outside = row.outside_expect
                cases.append(
                    (
                        "outside",
                        row.outside,
                        _multi_expectation(row, outside) if principal == MULTI else outside[principal],
                    )
                )
            if row.sibling:
                sibling = row.sibling_expect or row.outside_expect
                cases.append(("sibling", row.sibling, sibling.get(principal, sibling[Role.GRID_LEADER.value])))
            for label, build, wanted in cases:
                url = reverse(url_name, kwargs=build(world, principal) if build else None)
                response = _send(client, method, url, row, world, principal)
                status = response.status_code
                if status != wanted:
                    failures.append(f"{principal:22} {method:6} {label:7} {url}: got {status}, expected {wanted}")
                if label == "inside" and _reached(response):
                    served = url
        if served is not None:
            for method in (m for m in METHODS if m not in row.methods):
                status = _send(client, method, served, row, world, principal).status_code
                if status != 405:
                    failures.append(f"{principal:22} {method:6} {served}: got {status}, expected 405 (not accepted)")
    assert not failures, "\n".join(failures)
