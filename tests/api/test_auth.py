"""Token authentication of the REST API: who gets in, with which scopes, over which data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from accounts import tokens
from accounts.api_auth import ScopedTokenPermission, TokenAuthentication, required_scope
from accounts.models import ApiToken
from grids import services as grid_services
from petitions.models import Klass, Petition, Status
from tests.api.conftest import bearer, token_for
from tests.grids import factories
from tests.petitions import factories as petition_factories

pytestmark = pytest.mark.django_db

LIST = reverse("petitions_api:petition_list")


def action_url(petition, action: str) -> str:
    return reverse(f"petitions_api:petition_{action}", kwargs={"pk": petition.pk})


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _assert_401(response) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


# --- Who gets in ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_a_valid_token_reads_the_scoped_list(tree, street_staff, scheme):
    inside = petition_factories.petition(region=tree.grid_a)
    petition_factories.petition(region=tree.grid_b)
    _token, key = token_for(street_staff, ["petitions:read"])
    assert ids(bearer(key, scheme=scheme).get(LIST)) == {inside.pk}


@pytest.mark.parametrize(
    "header",
    ["Bearer zh_00000000_nope", "Bearer not-a-key", "Bearer", "Bearer a b", "Token zh_", "Bearer zh_zzzzzzzz_x"],
)
def test_a_wrong_or_malformed_token_is_401_with_a_challenge(tree, street_staff, header, english):
    token_for(street_staff)
    _assert_401(APIClient(HTTP_AUTHORIZATION=header).get(LIST))


def test_a_non_ascii_token_is_401_not_an_error(tree, english):
    response = APIClient(HTTP_AUTHORIZATION="Bearer zh_\u4e2d\u6587".encode().decode("latin-1")).get(LIST)
    _assert_401(response)


def test_wrong_secret_with_a_real_prefix_is_401(street_staff, english):
    token, key = token_for(street_staff)
    _assert_401(bearer(f"zh_{token.prefix}_{'A' * 43}").get(LIST))


def test_revoked_token_is_401(street_staff, english):
    token, key = token_for(street_staff)
    assert bearer(key).get(LIST).status_code == 200
    tokens.api_token_revoke(token=token)
    _assert_401(bearer(key).get(LIST))


def test_expired_token_is_401(street_staff, english):
    token, key = token_for(street_staff, expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert bearer(key).get(LIST).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _assert_401(bearer(key).get(LIST))


def test_token_whose_role_assignment_was_removed_is_401(street_staff, english):
    _token, key = token_for(street_staff)
    assert bearer(key).get(LIST).status_code == 200
    grid_services.role_revoke(assignment=street_staff.role_assignments.get())
    _assert_401(bearer(key).get(LIST))


def test_token_of_a_disabled_user_is_401(street_staff, english):
    _token, key = token_for(street_staff)
    street_staff.is_active = False
    street_staff.save(update_fields=["is_active"])
    _assert_401(bearer(key).get(LIST))


def test_without_any_credentials_it_is_401_with_the_bearer_challenge(tree, english):
    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_a_bad_token_is_refused_even_with_a_valid_session(street_staff, english):
    client = APIClient(HTTP_AUTHORIZATION="Bearer zh_00000000_nope")
    client.force_login(street_staff)
    _assert_401(client.get(LIST))


def test_the_public_evaluation_endpoint_ignores_tokens(tree, street_staff):
    _token, key = token_for(street_staff)
    response = bearer(key).post(
        reverse("petitions_api:evaluation"), {"code": "X", "token": "y", "rating": "satisfied"}, format="json"
    )
    assert response.status_code == 404  # unknown code: the token neither helps nor hurts


# --- Scopes --------------------------------------------------------------------------------------------


def test_a_read_only_token_may_read_but_not_write(tree, street_staff, english):
    petition = petition_factories.petition(region=tree.grid_a)
    _token, key = token_for(street_staff, ["petitions:read"])
    client = bearer(key)
    assert client.get(reverse("petitions_api:petition_detail", kwargs={"pk": petition.pk})).status_code == 200
    response = client.post(action_url(petition, "claim"), {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "This token does not carry the scope “petitions:write” this call needs."}
    petition.refresh_from_db()
    assert petition.claimed_by is None


def test_a_write_only_token_may_not_read(tree, street_staff):
    _token, key = token_for(street_staff, ["petitions:write"])
    assert bearer(key).get(LIST).status_code == 403


def test_an_open311_token_reaches_nothing_of_the_rest_api(tree, street_staff):
    _token, key = token_for(street_staff, ["open311"])
    assert bearer(key).get(LIST).status_code == 403
    assert bearer(key).post(LIST, {}, format="json").status_code == 403


def test_a_read_write_token_acts_without_csrf(tree, street_staff):
    petition = petition_factories.petition(region=tree.grid_a)
    _token, key = token_for(street_staff)
    client = bearer(key, enforce_csrf_checks=True)
    response = client.post(
        action_url(petition, "triage"), {"klass": Klass.GENERAL, "unit": tree.unit_a.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    petition.refresh_from_db()
    assert petition.status == Status.ASSIGNED and petition.unit == tree.unit_a
    # The timeline records the token's user as the actor, like any other move.
    assert petition.timeline.filter(action="triage", actor=street_staff).exists()


def test_a_session_still_needs_csrf(tree, street_staff):
    petition = petition_factories.petition(region=tree.grid_a)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(street_staff)
    response = client.post(action_url(petition, "claim"), {}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_sessions_are_not_limited_by_scopes(tree, street_staff):
    petition = petition_factories.petition(region=tree.grid_a)
    client = APIClient()
    client.force_login(street_staff)
    assert client.post(action_url(petition, "claim"), {}, format="json").status_code == 200


class _ReportLikeView(APIView):
    token_scopes = {"read": "reports:read"}

    def get(self, request: Request):
        from rest_framework.response import Response

        return Response({"ok": True})


def test_a_view_names_its_own_scopes(street_staff):
    assert required_scope(_ReportLikeView(), "GET") == "reports:read"
    assert required_scope(_ReportLikeView(), "POST") == "petitions:write"  # not overridden: the default
    assert required_scope(APIView(), "HEAD") == "petitions:read"
    view = _ReportLikeView.as_view()
    factory = APIRequestFactory()
    _t, petitions_key = token_for(street_staff, ["petitions:read"])
    _t, reports_key = token_for(street_staff, ["reports:read"])
    assert view(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {petitions_key}")).status_code == 403
    assert view(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {reports_key}")).status_code == 200
    assert ScopedTokenPermission in _ReportLikeView.permission_classes
    assert TokenAuthentication in _ReportLikeView.authentication_classes


# --- Data scope: the token's own role assignment ----------------------------------------------------------


def test_a_token_reaches_only_its_role_assignments_data(tree):
    """A user who is street staff in A and district staff sees everything signed in; a token issued
    under the street role sees street A only, and may not act as district staff."""
    user = factories.user(role="street_staff", region=tree.street_a)
    grid_services.role_assign(user=user, role="evaluator", region=tree.district)
    in_a = petition_factories.petition(region=tree.grid_a)
    in_b = petition_factories.petition(region=tree.grid_b)
    session = APIClient()
    session.force_login(user)
    assert ids(session.get(LIST)) == {in_a.pk, in_b.pk}

    _token, street_key = token_for(user, role="street_staff")
    client = bearer(street_key)
    assert ids(client.get(LIST)) == {in_a.pk}
    assert client.get(reverse("petitions_api:petition_detail", kwargs={"pk": in_b.pk})).status_code == 404

    _token, evaluator_key = token_for(user, ["petitions:read"], role="evaluator")
    evaluator = bearer(evaluator_key)
    assert ids(evaluator.get(LIST)) == {in_a.pk, in_b.pk}
    # The evaluator role reads but may not triage, even though the same person may in street A.
    response = evaluator.post(action_url(in_a, "claim"), {}, format="json")
    assert response.status_code == 403


def test_filing_through_a_token_is_recorded_as_filed_by_its_user(tree, street_staff):
    _token, key = token_for(street_staff)
    body = {"category": "road", "region": tree.grid_a.pk, "title": "井盖缺失", "description": "小区门口井盖缺失。"}
    response = bearer(key).post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    petition = Petition.objects.get(tracking_code=response.json()["tracking_code"])
    assert petition.filed_by == street_staff and petition.region == tree.grid_a


def test_token_requests_have_a_fixed_number_of_queries(tree, street_staff, django_assert_num_queries):
    for _ in range(5):
        petition_factories.petition(region=tree.grid_a)
    _token, key = token_for(street_staff, ["petitions:read"])
    client = bearer(key)
    assert client.get(LIST).status_code == 200  # records the first use
    # token + user + assignment in one query, then the page's keys, its rows, their deadlines.
    with django_assert_num_queries(4):
        assert len(client.get(LIST).json()["results"]) == 5
    for _ in range(5):
        petition_factories.petition(region=tree.grid_a)
    with django_assert_num_queries(4):
        assert len(client.get(LIST).json()["results"]) == 10
