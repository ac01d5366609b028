"""Rate limits of the REST API in the rate-limit cache: anonymous per address, sessions per user,
tokens per token. Over the limit: 429 JSON with a translated message and Retry-After; one client's
limit never blocks another."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.conftest import bearer, token_for
from tests.grids import factories

pytestmark = pytest.mark.django_db

LIST = reverse("petitions_api:petition_list")
SCHEMA = reverse("api-schema") + "?format=json"  # public: the one place anonymous callers use the defaults


def _assert_429(response, english: bool = True) -> None:
    assert response.status_code == 429, response.content
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    body = json.loads(response.content)  # the schema answers in its own JSON media type
    assert body["retry_after"] == seconds
    if english:
        assert body["detail"] == f"Too many requests. Try again in {seconds} s."


def test_a_token_over_its_rate_gets_429_and_another_token_goes_on(street_staff, settings):
    settings.API_THROTTLE_TOKEN = "3/minute"
    _t, first = token_for(street_staff, ["petitions:read"])
    _t, second = token_for(street_staff, ["petitions:read"])  # same user, another client
    client = bearer(first)
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    _assert_429(client.get(LIST))
    assert bearer(second).get(LIST).status_code == 200
    session = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    session.force_login(street_staff)
    assert session.get(LIST).status_code == 200  # the user's browser session has its own allowance


def test_a_session_over_its_rate_gets_429_and_another_user_goes_on(tree, settings):
    settings.API_THROTTLE_USER = "2/minute"
    one = factories.user(role="street_staff", region=tree.street_a)
    other = factories.user(role="street_staff", region=tree.street_b)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(one)
    assert [client.get(LIST).status_code for _ in range(2)] == [200, 200]
    _assert_429(client.get(LIST))
    other_client = APIClient()
    other_client.force_login(other)
    assert other_client.get(LIST).status_code == 200


def test_anonymous_callers_are_limited_per_address_and_cannot_dodge_it(settings):
    settings.API_THROTTLE_ANON = "2/minute"
    here = APIClient(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    assert [here.get(SCHEMA).status_code for _ in range(2)] == [200, 200]
    _assert_429(here.get(SCHEMA))
    # A forged X-Forwarded-For does not make a new client (no trusted proxy is configured) …
    _assert_429(here.get(SCHEMA, HTTP_X_FORWARDED_FOR="203.0.113.9"))
    # … while another address is not blocked.
    assert APIClient(REMOTE_ADDR="10.0.0.2").get(SCHEMA).status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_counts(settings):
    settings.API_THROTTLE_ANON = "1/minute"
    settings.NUM_PROXIES = 1
    proxy = APIClient(REMOTE_ADDR="10.0.0.1")
    assert proxy.get(SCHEMA, HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 200
    assert proxy.get(SCHEMA, HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 429
    assert proxy.get(SCHEMA, HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200  # another client


def test_the_429_message_is_translated(street_staff, settings):
    settings.API_THROTTLE_TOKEN = "1/minute"
    _t, key = token_for(street_staff, ["petitions:read"])
    client = bearer(key, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.get(LIST)
    response = client.get(LIST)
    _assert_429(response, english=False)
    from django.utils import translation

    from core.api import THROTTLED

    with translation.override("zh-hans"):
        expected = str(THROTTLED) % {"seconds": response.json()["retry_after"]}
    assert response.json()["detail"] == expected


def test_with_redis_stopped_requests_are_served_and_still_limited(street_staff, settings, stoppable_redis):
    settings.API_THROTTLE_TOKEN = "2/minute"
    stoppable_redis.stop()
    _t, key = token_for(street_staff, ["petitions:read"])
    client = bearer(key)
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 429]


def test_rates_come_from_the_environment_settings():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "anon": settings.API_THROTTLE_ANON,
        "user": settings.API_THROTTLE_USER,
        "token": settings.API_THROTTLE_TOKEN,
    }
    assert settings.API_THROTTLE_ANON == "60/minute"
