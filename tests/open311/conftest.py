"""Fixtures of the Open311 tests: the jurisdiction set to the test tree, api_keys, a client that
speaks both formats and parses them (JSON with json, XML with ElementTree)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Scope
from accounts.tokens import api_token_create
from tests.grids import factories as grid_factories

JURISDICTION = "zh.gov.cn"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
FORMATS = ["json", "xml"]

# GET requests: the fields of one request, in the specification's order.
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture(autouse=True)
def jurisdiction(settings, tree):
    """The jurisdiction is the test tree's district; the foreign one of other tests is outside."""
    settings.OPEN311_JURISDICTION_ID = JURISDICTION
    settings.OPEN311_REGION_CODE = tree.district.code
    settings.OPEN311_SERVICE_TYPE = "realtime"
    return settings


@dataclass
class Key:
    token: object
    key: str
    user: object


def make_key(*, role: str, region, scopes=(Scope.OPEN311,), name: str = "civic app", phone=None) -> Key:
    user = grid_factories.user(role=role, region=region, phone=phone)
    token, key = api_token_create(assignment=user.role_assignments.get(), name=name, scopes=list(scopes))
    return Key(token=token, key=key, user=user)


@pytest.fixture
def app_key(tree) -> Key:
    """A civic app's key, issued under a resident role (the Open311 scope only)."""
    return make_key(role="resident", region=tree.compound_a, name="随手拍 app")


@pytest.fixture
def other_key(tree) -> Key:
    return make_key(role="resident", region=tree.compound_b, name="another app")


def url(name: str, fmt: str, **kwargs) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


class Open311Client:
    """Sends like a civic app (form-encoded POST) and parses the answer of either format into the
    JSON shape, checking the XML side against the specification's element names on the way."""

    def __init__(self, language: str = "en"):
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language)

    def get(self, name: str, fmt: str, params: dict | None = None, **kwargs):
        return self.client.get(url(name, fmt, **kwargs), params or {})

    def post(self, fmt: str, data: dict, **extra):
        """Form-encoded, as the specification sends it (lists become repeated parameters)."""
        body = urlencode(data, doseq=True)
        return self.client.post(url("request_list", fmt), body, content_type=FORM, **extra)


@pytest.fixture
def o311() -> Open311Client:
    return Open311Client()


def content_type_of(fmt: str) -> str:
    return {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}[fmt]


def parse(response, fmt: str):
    """The body as Python data; for XML the root element (checked to carry the declaration)."""
    assert response["Content-Type"] == content_type_of(fmt)
    if fmt == "json":
        return json.loads(response.content.decode("utf-8"))
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def errors_of(response, fmt: str) -> list[dict]:
    """The specification's error body as a list of {code, description}, from either format."""
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list) and body
        for error in body:
            assert set(error) == {"code", "description"}
        return body
    assert body.tag == "errors" and len(body)
    result = []
    for error in body:
        assert error.tag == "error" and [child.tag for child in error] == ["code", "description"]
        result.append({"code": int(error.findtext("code")), "description": error.findtext("description")})
    return result


def requests_of(response, fmt: str) -> list[dict]:
    """GET requests / requests/{id}: a list of dicts with every field in the specification's order
    (XML: ``<service_requests><request>…``; empty elements read as None)."""
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list)
        for row in body:
            assert list(row) == REQUEST_FIELDS
        return body
    assert body.tag == "service_requests"
    rows = []
    for element in body:
        assert element.tag == "request"
        assert [child.tag for child in element] == REQUEST_FIELDS
        row = {child.tag: child.text for child in element}
        for number in ("lat", "long"):
            row[number] = float(row[number]) if row[number] is not None else None
        rows.append(row)
    return rows
