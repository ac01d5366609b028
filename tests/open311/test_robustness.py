"""Whatever a client sends, every endpoint answers the specification's format with a 2xx or 4xx:
never Django's HTML pages, never a 500."""

from __future__ import annotations

import pytest

from tests.open311.conftest import FORM, errors_of, parse

pytestmark = pytest.mark.django_db

WEIRD = [
    "",
    " ",
    "x" * 5000,
    "%00",
    "%FF%FE",  # not UTF-8
    "<script>alert(1)</script>",
    "'; DROP TABLE petitions_petition; --",
    "２０２６－０１－０１",  # full-width digits
    "-1e309",
    "[]",
    "🚧🚧",
]
PATHS = [
    "discovery.json",
    "services.xml",
    "services/road.json",
    "requests.xml",
    "requests.json",
    "requests/ZH23456789.json",
    "tokens/abc.xml",
]
PARAMS = ["jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "api_key"]


@pytest.mark.parametrize("path", PATHS)
def test_weird_query_strings_never_fail(o311, path):
    fmt = "json" if path.endswith(".json") else "xml"
    for value in WEIRD:
        query = "&".join(f"{name}={value}" for name in PARAMS)
        response = o311.client.get(f"/open311/v2/{path}?{query}")
        assert response.status_code < 500, (path, value)
        parse(response, fmt)  # the right content type, a parseable body


@pytest.mark.parametrize("value", WEIRD)
def test_weird_post_bodies_never_fail(o311, tree, app_key, value):
    fields = [
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
        "attribute[region]",
        "attribute[region][]",
        "attribute[]",
        "attribute[[x]]",
    ]
    body = f"api_key={app_key.key}&" + "&".join(f"{name}={value}" for name in fields)
    response = o311.client.post("/open311/v2/requests.json", body, content_type=FORM)
    assert response.status_code in (400, 404, 413), (value, response.content[:300])
    errors_of(response, "json")


def test_malformed_content_length_and_multipart_are_400(o311):
    response = o311.client.generic("POST", "/open311/v2/requests.xml", b"a=1", content_type=FORM, CONTENT_LENGTH="abc")
    assert response.status_code == 400 and errors_of(response, "xml")[0]["code"] == 400
    response = o311.client.generic(
        "POST",
        "/open311/v2/requests.xml",
        b"--x\r\nbroken",
        content_type="multipart/form-data",  # no boundary
    )
    assert response.status_code == 400 and errors_of(response, "xml")[0]["code"] == 400


def test_an_unexpected_fault_still_answers_the_error_format(o311, monkeypatch):
    from open311 import selectors

    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setattr(selectors, "service_list", broken)
    response = o311.get("service_list", "json")
    assert response.status_code == 500
    assert errors_of(response, "json") == [
        {"code": 500, "description": "The Open311 service failed; please try again later."}
    ]


@pytest.mark.parametrize(
    "path",
    ["services/%00.json", "requests/%00.xml", "tokens/a%00b.json", "requests/%FF%FE.json", "services/%E2%80.xml"],
)
def test_weird_path_parameters_never_fail(o311, path):
    response = o311.client.get("/open311/v2/" + path)
    assert response.status_code in (400, 404)
    errors_of(response, "json" if path.endswith(".json") else "xml")
