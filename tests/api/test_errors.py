"""Bad input to the REST API answers a clear JSON error, never a 500: malformed dates, values over
the limits, NUL bytes, huge numbers, broken JSON, oversized bodies, unknown content types."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.api.conftest import bearer, token_for
from tests.petitions import factories as petition_factories

pytestmark = pytest.mark.django_db

LIST = reverse("petitions_api:petition_list")


@pytest.fixture
def client(street_staff):
    _token, key = token_for(street_staff)
    return bearer(key)


def _new(tree, **extra) -> dict:
    return {
        "category": "road",
        "region": tree.grid_a.pk,
        "title": "路灯不亮",
        "description": "3号楼前的路灯坏了。",
        **extra,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "ZH\x00"}, "q"),
        ({"category": "ro\x00ad"}, "category"),
        ({"filed_from": "2026-02-31"}, "filed_from"),
        ({"filed_to": "26/01/2026"}, "filed_to"),
        ({"filed_from": "99999-01-01"}, "filed_from"),
        ({"region": "99999999999999999999999"}, "region"),
        ({"unit": "-1"}, "unit"),
        ({"status": "\x00"}, "status"),
        ({"overdue": "perhaps"}, None),
    ],
)
def test_bad_query_values_are_400_with_the_field_named(client, tree, params, field, english):
    response = client.get(LIST, params)
    assert response.status_code in (200, 400), response.content
    if field:
        assert response.status_code == 400 and field in response.json(), response.content


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "a\x00b"},
        {"description": "x" * 5001},
        {"region": 2**70},
        {"region": -1},
        {"region": "abc"},
        {"region": 1.5},
        {"category": "\x00"},
        {"latitude": "1e400"},
        {"latitude": "NaN"},
        {"longitude": 181},
        {"reporter_phone": "1" * 1000},
        {"anonymous": "perhaps"},
        {"channel": "fax"},
        {"title": ["a list"]},
        {"title": {"an": "object"}},
    ],
)
def test_bad_bodies_are_400_and_file_nothing(client, tree, changes, english):
    from petitions.models import Petition

    response = client.post(LIST, _new(tree, **changes), format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) <= {*_new(tree), "latitude", "longitude", "reporter_phone", "anonymous", "channel"}
    assert not Petition.objects.exists()


def test_broken_json_is_400(client, english):
    response = client.post(LIST, data='{"title": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_a_json_body_that_is_not_an_object_is_400(client, english):
    for body in ("[]", '"text"', "1", "null"):
        response = client.post(LIST, data=body, content_type="application/json")
        assert response.status_code == 400, body
        assert response["Content-Type"] == "application/json"


def test_an_unknown_content_type_is_415(client, english):
    response = client.post(LIST, data="<xml/>", content_type="application/xml")
    assert response.status_code == 415
    assert "application/xml" in response.json()["detail"]


def test_an_oversized_body_is_413_json_and_nothing_is_filed(client, tree, settings, english):
    from petitions.models import Petition

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps(_new(tree, description="x" * 20_000))
    response = client.post(LIST, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large: at most 10000 bytes."}
    assert not Petition.objects.exists()


def test_the_default_body_limit_is_djangos_and_applies(client, tree, english):
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    body = json.dumps(_new(tree, description="x" * 2_700_000))
    assert client.post(LIST, data=body, content_type="application/json").status_code == 413


@pytest.mark.parametrize("pk", ["0", "-1", "abc", "1.5", str(2**63), str(2**200), "%00", "null"])
def test_any_id_that_is_not_an_item_is_a_json_404(client, tree, pk):
    petition_factories.petition(region=tree.grid_a)
    for url in (f"/api/v1/petitions/{pk}/", f"/api/v1/petitions/{pk}/claim/"):
        response = client.get(url) if url.count("/") == 5 else client.post(url, {}, format="json")
        assert response.status_code == 404, (url, response.content)
        assert response["Content-Type"] == "application/json", url


def test_page_size_over_the_limit_is_capped_not_an_error(client, tree):
    for _ in range(3):
        petition_factories.petition(region=tree.grid_a)
    response = client.get(LIST, {"page_size": str(10**30)})
    assert response.status_code == 200 and len(response.json()["results"]) == 3


def test_a_merge_target_id_over_the_integer_range_is_400(client, tree, street_staff, english):
    petition = petition_factories.petition(region=tree.grid_a)
    url = reverse("petitions_api:petition_merge", kwargs={"pk": petition.pk})
    response = client.post(url, {"into": 2**70}, format="json")
    assert response.status_code == 400 and "into" in response.json()


def _api_urls(petition) -> list[str]:
    """Every REST endpoint of the project (from the URL resolver), with an item's id where one goes."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix="", namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and getattr(entry.callback, "cls", None) is not None:
                found.append(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns)
    urls = []
    for name in sorted(set(found)):
        try:
            urls.append(reverse(name))
        except Exception:  # noqa: BLE001 - the name takes an id
            urls.append(reverse(name, kwargs={"pk": petition.pk}))
    return urls


@pytest.mark.parametrize(
    "body",
    ["[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "[" * 30 + "]" * 30],
    ids=["deep list", "deep object", "just too deep"],
)
def test_deeply_nested_json_is_400_on_every_endpoint(client, tree, body, english):
    """Signed in with a token and anonymous alike (the public evaluation endpoint among them)."""
    petition = petition_factories.petition(region=tree.grid_a)
    from rest_framework.test import APIClient

    urls = _api_urls(petition)
    assert "/api/v1/evaluations/" in urls and len(urls) > 15
    for caller in (client, APIClient(HTTP_ACCEPT_LANGUAGE="en")):
        for url in urls:
            response = caller.post(url, data=body, content_type="application/json")
            assert response.status_code < 500, (url, response.status_code)  # 2xx: it reads no body
            if response.status_code == 400:
                assert "nested too deeply" in response.json()["detail"], url
    filed = client.post(LIST, data=body, content_type="application/json")
    assert filed.status_code == 400 and "nested too deeply" in filed.json()["detail"]
    evaluated = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/evaluations/", data=body, content_type="application/json"
    )
    assert evaluated.status_code == 400 and "nested too deeply" in evaluated.json()["detail"]


def test_yes_no_values_must_be_booleans(client, tree, english):
    """The schema says boolean: a filter or a field of another type is a field error, not ignored."""
    petition = petition_factories.petition(region=tree.grid_a)
    for value in ("banana", "2", "yes please"):
        response = client.get(LIST, {"unclaimed": value})
        assert response.status_code == 400 and "unclaimed" in response.json(), value
    url = reverse("petitions_api:petition_note", kwargs={"pk": petition.pk})
    for value in ("yes", 1, "on", None, [True]):
        response = client.post(url, {"text": "备注", "public": value}, format="json")
        assert response.status_code == 400 and "public" in response.json(), value
    assert client.post(url, {"text": "备注", "public": True}, format="json").status_code == 200


def test_a_unit_of_another_scope_is_refused_without_its_name(client, tree, english):
    """Routing to a unit the caller cannot see answers exactly like a unit that does not exist."""
    petition = petition_factories.petition(region=tree.grid_a)
    url = reverse("petitions_api:petition_triage", kwargs={"pk": petition.pk})
    foreign = client.post(url, {"klass": "general", "unit": tree.unit_b.pk}, format="json")
    missing = client.post(url, {"klass": "general", "unit": 999999}, format="json")
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["unit"] == [m.replace("999999", str(tree.unit_b.pk)) for m in missing.json()["unit"]]
    assert tree.unit_b.name not in foreign.content.decode()
