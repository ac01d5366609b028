"""The OpenAPI schema and its documentation pages: public, valid, complete, served offline."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema() -> dict:
    response = APIClient().get(reverse("api-schema"), {"format": "json", "lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_and_generates_without_warnings(tmp_path, capsys):
    """``manage.py spectacular --validate --fail-on-warn``: every API view is annotated."""
    out = tmp_path / "schema.yaml"
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    except Exception as exc:  # noqa: BLE001 — show drf-spectacular's own list of what is missing
        pytest.fail(f"schema generation warned or failed: {exc}\n{capsys.readouterr().err}")
    assert out.read_text().startswith("openapi: 3.0.3")


def test_the_schema_is_public_and_in_yaml_by_default():
    response = APIClient().get(reverse("api-schema"))
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.0.3")
    assert "镇海社区服务平台 API" in response.content.decode()


def test_the_schema_documents_the_token_and_each_operations_scope(schema):
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    operations = {
        f"{method.upper()} {path}": op for path, item in schema["paths"].items() for method, op in item.items()
    }
    petitions = {label: op for label, op in operations.items() if "/api/v1/petitions/" in label}
    assert len(petitions) == 21
    for label, op in petitions.items():
        assert {"tokenAuth": []} in op["security"], label
        assert {"cookieAuth": []} in op["security"], label
        expected = "petitions:read" if label.startswith("GET") else "petitions:write"
        assert op["x-token-scope"] == expected, label
        assert {"401", "403", "429"} <= set(op["responses"]), label
        assert op["summary"], label
    evaluation = operations["POST /api/v1/evaluations/"]
    assert evaluation["security"] == [{}] and "x-token-scope" not in evaluation
    assert {"201", "400", "404", "429"} <= set(evaluation["responses"])
    assert "401" not in evaluation["responses"]


def test_the_list_documents_every_filter_of_the_shared_filterset(schema):
    from petitions.filters import PetitionFilter

    parameters = {p["name"] for p in schema["paths"]["/api/v1/petitions/"]["get"]["parameters"]}
    assert set(PetitionFilter.base_filters) | {"cursor", "page_size"} == parameters


def test_error_answers_have_a_shape(schema):
    errors = schema["components"]["schemas"]
    assert errors["Error"]["required"] == ["detail"]
    responses = schema["paths"]["/api/v1/petitions/{id}/claim/"]["post"]["responses"]
    assert responses["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ValidationError"}


def test_the_schema_speaks_the_language_asked_for():
    english = json.loads(APIClient().get(reverse("api-schema"), {"format": "json", "lang": "en"}).content)
    op = english["paths"]["/api/v1/petitions/{id}/triage/"]["post"]
    assert op["summary"] == "Classify and route to a handling unit"


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_the_documentation_pages_load_nothing_from_outside(name):
    client = APIClient()
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "://" not in html, "an absolute URL: government intranets have no internet"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads its viewer from static files"
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        b"".join(served.streaming_content) if served.streaming else served.content  # noqa: B018 — read it
    assert "/api/schema/" in html


def test_swagger_ui_does_not_call_the_online_validator():
    html = APIClient().get(reverse("api-docs")).content.decode()
    assert '"validatorUrl": null' in html
