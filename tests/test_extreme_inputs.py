"""Extreme values for every parameter the FilterSets and Open311 declare, and for every keyset cursor:
dates at the edges of Python's and PostgreSQL's ranges, offsets PostgreSQL refuses, huge numbers,
long and strange text. Every answer is a page or a clear 4xx; none is a 5xx.

A FilterSet added to the project without its pages listed here fails the suite.
"""

from __future__ import annotations

import importlib
from urllib.parse import urlencode

import django_filters
import pytest
from django.test import Client
from django.urls import reverse

from tests.grids import factories as grid_factories
from tests.open311.conftest import make_key
from tests.petitions import factories

pytestmark = pytest.mark.django_db

EXTREMES = [
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "2026-01-01T00:00:00+20:00",
    "2026-01-01T00:00:00-15:59",
    "2026-01-01T25:61:61Z",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "NaN",
    "-Infinity",
    "true",
    "perhaps",
    "x" * 3000,
    "'; DROP TABLE petitions_petition; --",
    "🚧",
    "%",
    "",
]
CURSORS = [
    "9999-12-31T23:59:59+00:00|1",
    "0001-01-01T00:00:00+00:00|1",
    "2026-01-01T00:00:00+20:00|5",
    "2026-01-01T00:00:00+08:00|99999999999999999999",
    "1e400",
    "x" * 3000,
    "|",
]

# Each FilterSet of the project and the pages that read it (named URL, extra query).
FILTERSET_PAGES = {
    "petitions.filters.PetitionFilter": [
        ("petitions:queue", {}),
        ("petitions_api:petition_list", {}),
        ("exports:new", {"kind": "petitions"}),
    ],
    "funds.filters.FundFilter": [("funds:public_list", {}), ("funds:manage_list", {})],
    "volunteers.filters.OrganisationFilter": [("volunteers:organisations", {})],
    "volunteers.filters.OpportunityFilter": [("volunteers:staff_opportunities", {})],
}
CURSOR_PAGES = [
    ("petitions:queue", {}),
    ("petitions:queue", {"sort": "due"}),
    ("petitions_api:petition_list", {}),
    ("petitions_api:petition_list", {"sort": "due"}),
    ("petitions:mine", {}),
    ("notifications", {}),
    ("exports:list", {}),
]


def _filtersets() -> dict[str, type]:
    for app in ("petitions", "volunteers", "funds", "grids", "reports", "exports"):
        try:
            importlib.import_module(f"{app}.filters")
        except ModuleNotFoundError:
            continue
    found, pending = {}, list(django_filters.FilterSet.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.split(".")[0] in ("petitions", "volunteers", "funds", "grids", "reports", "exports"):
            found[f"{cls.__module__}.{cls.__name__}"] = cls
    return found


def test_every_filterset_has_its_pages_listed():
    assert set(_filtersets()) == set(FILTERSET_PAGES)


@pytest.fixture
def staff(tree):
    return grid_factories.user(role="district_staff", region=tree.district)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize("filterset", sorted(FILTERSET_PAGES))
def test_extreme_values_of_every_filter_never_fail(tree, staff, filterset):
    factories.petition(region=tree.grid_a)
    client = _client(staff)
    names = list(_filtersets()[filterset].base_filters)
    failures = []
    for url_name, extra in FILTERSET_PAGES[filterset]:
        url = reverse(url_name)
        for name in names:
            for value in EXTREMES:
                response = client.get(url + "?" + urlencode({**extra, name: value}))
                if response.status_code >= 500:
                    failures.append(f"{url_name} {name}={value[:40]!r}: {response.status_code}")
        # every filter at once, each at its worst
        for value in EXTREMES:
            response = client.get(url + "?" + urlencode({**extra, **dict.fromkeys(names, value)}))
            if response.status_code >= 500:
                failures.append(f"{url_name} all={value[:40]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_extreme_cursors_never_fail(tree, staff):
    factories.petition(region=tree.grid_a)
    resident = grid_factories.user(role="resident", region=tree.compound_a, phone="13800000042")
    failures = []
    for user in (staff, resident):
        client = _client(user)
        for url_name, extra in CURSOR_PAGES:
            for cursor in CURSORS:
                response = client.get(reverse(url_name) + "?" + urlencode({**extra, "cursor": cursor}))
                if response.status_code >= 500:
                    failures.append(f"{url_name} cursor={cursor[:40]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


OPEN311_QUERY = ["jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "api_key"]
OPEN311_BODY = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "attribute[region]",
]


def test_extreme_values_of_every_open311_parameter_never_fail(tree, settings):
    settings.OPEN311_JURISDICTION_ID = "zh.gov.cn"
    settings.OPEN311_REGION_CODE = tree.district.code
    settings.OPEN311_POST_LIMIT_PER_ADDRESS = (100_000, 60)
    settings.OPEN311_POST_LIMIT_PER_KEY = (100_000, 60)
    factories.category("street_light")
    key = make_key(role="resident", region=tree.compound_a)
    client = Client()
    failures = []
    for path in ("requests.json", "requests.xml", "services.json", "discovery.json"):
        for name in OPEN311_QUERY:
            for value in EXTREMES:
                response = client.get(f"/open311/v2/{path}?" + urlencode({name: value}))
                if response.status_code >= 500:
                    failures.append(f"GET {path} {name}={value[:40]!r}: {response.status_code}")
    base = {
        "api_key": key.key,
        "jurisdiction_id": "zh.gov.cn",
        "service_code": "street_light",
        "lat": "29.95",
        "long": "121.71",
        "description": "路灯不亮",
        "attribute[region]": tree.community_a.code,
    }
    for name in OPEN311_BODY:
        for value in EXTREMES:
            response = client.post("/open311/v2/requests.json", {**base, name: value})
            if response.status_code >= 500:
                failures.append(f"POST {name}={value[:40]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
