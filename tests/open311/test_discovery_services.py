"""Discovery, GET services and GET service definition against the specification's text, in both
formats; jurisdiction_id, unknown resources and methods answer the specification's errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from petitions.models import Category
from tests.open311.conftest import FORMATS, JURISDICTION, errors_of, parse, url

pytestmark = pytest.mark.django_db


def _service_rows(body, fmt: str) -> list[dict]:
    if fmt == "json":
        assert isinstance(body, list)  # the specification's JSON root is an array
        return body
    assert body.tag == "services"
    rows = []
    for service in body:
        assert service.tag == "service"
        rows.append({child.tag: child.text for child in service})
    return rows


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_the_endpoint_and_both_formats(o311, fmt):
    response = o311.get("discovery", fmt)
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
        endpoint = body["endpoints"][0]
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        assert body.tag == "discovery"
        assert [c.tag for c in body] == ["changeset", "contact", "key_service", "endpoints"]
        element = body.find("endpoints/endpoint")
        assert [c.tag for c in element] == ["specification", "url", "changeset", "type", "formats"]
        assert [f.text for f in element.findall("formats/format")] == ["text/xml", "application/json"]
        endpoint = {c.tag: c.text for c in element if c.tag != "formats"}
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"  # clients append /services.xml
    assert endpoint["type"] == "production"


def test_discovery_url_really_is_the_endpoint(o311):
    endpoint = o311.get("discovery", "json").json()["endpoints"][0]["url"]
    assert o311.client.get(endpoint.removeprefix("http://testserver") + "/services.json").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_categories(o311, fmt):
    Category.objects.filter(code="other").update(is_active=False)
    response = o311.get("service_list", fmt)
    assert response.status_code == 200
    rows = _service_rows(parse(response, fmt), fmt)
    codes = [row["service_code"] for row in rows]
    assert codes == sorted(Category.objects.filter(is_active=True).values_list("code", flat=True))
    assert "other" not in codes
    light = next(row for row in rows if row["service_code"] == "street_light")
    expected_keys = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    assert list(light) == expected_keys
    assert light["service_name"] == "Street lighting"
    assert light["description"] == "A street light is out or flickering"
    assert light["type"] == "realtime"
    assert light["keywords"] == "路灯照明, Street lighting"
    assert light["group"] == "Urban management"
    assert light["metadata"] is True if fmt == "json" else light["metadata"] == "true"


def test_service_names_follow_the_language(tree):
    from tests.open311.conftest import Open311Client

    rows = Open311Client(language="zh-hans").get("service_list", "json").json()
    light = next(row for row in rows if row["service_code"] == "street_light")
    assert light["service_name"] == "路灯照明"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_has_the_required_region_list(o311, tree, fmt):
    response = o311.get("service_definition", fmt, service_code="road")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        assert list(body) == ["service_code", "attributes"]  # an object, not an array
        assert body["service_code"] == "road"
        attribute = body["attributes"][0]
        values = attribute["values"]
        assert attribute["variable"] is True and attribute["required"] is True and attribute["order"] == 1
    else:
        assert body.tag == "service_definition"
        assert body.findtext("service_code") == "road"
        element = body.find("attributes/attribute")
        assert [c.tag for c in element] == [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
        ]
        attribute = {c.tag: c.text for c in element if c.tag != "values"}
        values = [{v.tag: v.text for v in value} for value in element.findall("values/value")]
        assert attribute["variable"] == "true" and attribute["required"] == "true" and attribute["order"] == "1"
    assert attribute["code"] == "region"
    assert attribute["datatype"] == "singlevaluelist"
    # The communities of the jurisdiction (level 3), in tree order: key = code, name = name.
    expected = sorted([tree.community_a, tree.community_a2, tree.community_b], key=lambda r: r.path)
    assert values == [{"key": r.code, "name": r.name} for r in expected]


def test_regions_outside_the_jurisdiction_are_not_offered(o311, tree, settings):
    settings.OPEN311_REGION_CODE = tree.street_b.code
    values = o311.get("service_definition", "json", service_code="road").json()["attributes"][0]["values"]
    assert [v["key"] for v in values] == [tree.community_b.code]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_or_inactive_service_code_is_404(o311, fmt):
    Category.objects.filter(code="other").update(is_active=False)
    for code in ("pothole", "other"):
        response = o311.get("service_definition", fmt, service_code=code)
        assert response.status_code == 404
        assert errors_of(response, fmt) == [{"code": 404, "description": f"service_code {code} was not found."}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_id_ours_empty_or_absent_is_accepted_another_is_404(o311, fmt):
    for params in ({}, {"jurisdiction_id": ""}, {"jurisdiction_id": JURISDICTION}):
        assert o311.get("service_list", fmt, params).status_code == 200
    for name, kwargs in (("service_list", {}), ("service_definition", {"service_code": "road"})):
        response = o311.get(name, fmt, {"jurisdiction_id": "sfgov.org"}, **kwargs)
        assert response.status_code == 404
        [error] = errors_of(response, fmt)
        assert error["code"] == 404 and "sfgov.org" in error["description"] and JURISDICTION in error["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_method_answers_405_in_the_error_format(o311, fmt):
    response = o311.client.post(url("service_list", fmt), {})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert errors_of(response, fmt)[0]["code"] == 405
    response = o311.client.delete(url("request_list", fmt))
    assert response.status_code == 405 and response["Allow"] == "GET, POST, HEAD"
    assert o311.client.head(url("service_list", fmt)).status_code == 200


@pytest.mark.parametrize(("path", "fmt"), [("services.html", "xml"), ("nothing/here.json", "json"), ("x", "xml")])
def test_anything_else_under_the_endpoint_is_a_404_in_the_error_format(o311, path, fmt):
    response = o311.client.get("/open311/v2/" + path)
    assert response.status_code == 404
    assert errors_of(response, fmt) == [{"code": 404, "description": "There is no Open311 resource at this URL."}]


def test_the_html_page_shows_endpoint_jurisdiction_and_services(o311):
    response = o311.client.get(reverse("open311:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "http://testserver/open311/v2" in page and JURISDICTION in page
    assert "street_light" in page and "Street lighting" in page
    assert reverse("open311:service_definition", kwargs={"service_code": "road", "fmt": "xml"}) in page
    assert "(3 in all)" in page  # three communities in the test tree


def test_key_service_says_where_to_get_an_api_key(o311):
    from django.urls import NoReverseMatch

    key_service = o311.get("discovery", "json").json()["key_service"]
    try:
        assert "http://testserver" + reverse("accounts:tokens") in key_service
    except NoReverseMatch:  # no self-service token page: the administrators issue keys
        assert "administrators" in key_service
    assert "open311" in key_service
