"""Every rate limit of the portal, with Redis answering and with Redis stopped (a server of the
test's own, stopped as an operator would): a limit never switches off, and no request fails.

The limits: failed public status checks (per address, per tracking code), public reports and
oversize uploads (per address), sign-ins per address, texts to unverified numbers, Open311 POSTs
(per address, per api_key), and the REST API's throttles (anonymous, session, token, the private
evaluation link).
"""

from __future__ import annotations

import pytest
from django.core import mail  # noqa: F401  (the locmem backend is the test default)
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tokens import api_token_create
from core import notify, ratelimit
from core.caches import FailoverCache
from petitions import services
from petitions.models import Klass, Petition
from tests.grids import factories as grid_factories
from tests.open311.conftest import make_key
from tests.open311.test_post_requests import report as open311_report
from tests.petitions import factories
from tests.petitions.test_public import report_data

pytestmark = pytest.mark.django_db

STATUS = reverse("petitions:public_status")
REPORT = reverse("petitions:public_report")
LOGIN = reverse("accounts:login")


@pytest.fixture(params=["redis up", "redis stopped"])
def redis_state(request, stoppable_redis):
    if request.param == "redis stopped":
        stoppable_redis.stop()
    return request.param


def _client(address: str = "10.1.1.1") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)


def test_the_failover_cache_counts_in_redis_and_then_in_the_process(stoppable_redis):
    cache = FailoverCache("", {"OPTIONS": {"primary": "default", "fallback": "ratelimit_local"}})
    assert cache.add("k", 1, 60) and cache.incr("k") == 2
    from django.core.cache import caches

    assert caches["default"].get("k") == 2  # counted in Redis
    stoppable_redis.stop()
    assert cache.add("k", 1, 60) and cache.incr("k") == 2  # counted in this process from now on
    assert caches["ratelimit_local"].get("k") == 2


# --- The public status check --------------------------------------------------------------------------


def _check(client, code: str, digits: str):
    return client.post(STATUS, {"code": code, "phone_last4": digits})


def test_failed_status_checks_are_limited_per_address(tree, settings, redis_state):
    settings.RATE_STATUS_CHECK = "3/10m"
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    client = _client()
    assert [_check(client, petition.tracking_code, "0000").status_code for _ in range(3)] == [200] * 3
    limited = _check(client, petition.tracking_code, "5678")  # even the right digits, now
    assert limited.status_code == 429 and "Too many attempts" in limited.content.decode()
    assert 'data-testid="public-item"' not in limited.content.decode()
    assert _check(_client("10.1.1.2"), "ZH22222222", "5678").status_code == 200  # another address and code


def test_failed_status_checks_are_limited_per_code_across_addresses(tree, settings, redis_state):
    settings.RATE_STATUS_CHECK = "3/10m"
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    for n in range(3):
        assert _check(_client(f"10.2.0.{n}"), petition.tracking_code, "0000").status_code == 200
    assert _check(_client("10.2.0.9"), petition.tracking_code, "5678").status_code == 429


def test_right_answers_cost_nothing_so_neighbours_do_not_lock_each_other_out(tree, settings, redis_state):
    settings.RATE_STATUS_CHECK = "3/10m"
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    shared = _client("10.3.0.1")  # one building's connection
    for _ in range(10):
        html = _check(shared, petition.tracking_code, "5678").content.decode()
        assert 'data-testid="public-item"' in html


# --- Public reports and oversize uploads ----------------------------------------------------------------


def test_public_reports_are_limited_per_address(tree, settings, redis_state):
    settings.RATE_PUBLIC_REPORT = "2/h"
    client = _client()
    assert [client.post(REPORT, report_data(tree)).status_code for _ in range(2)] == [302, 302]
    response = client.post(REPORT, report_data(tree))
    assert response.status_code == 429 and "Too many items were filed" in response.content.decode()
    assert Petition.objects.count() == 2


def test_an_oversize_body_is_refused_unread_and_counts_toward_the_upload_limit(tree, settings, redis_state):
    settings.RATE_PUBLIC_REPORT = "2/h"
    settings.MAX_REQUEST_BYTES = 10_000
    client = _client()
    big = client.post(REPORT, {**report_data(tree), "description": "x" * 20_000})
    assert big.status_code == 413 and "The request is too large" in big.content.decode()
    assert client.post(REPORT, report_data(tree)).status_code == 302
    assert client.post(REPORT, report_data(tree)).status_code == 429  # the refused body counted
    assert Petition.objects.count() == 1


# --- Sign-in per address --------------------------------------------------------------------------------


def test_password_spraying_from_one_address_is_stopped(tree, settings, redis_state):
    # A day's window: django-ratelimit's windows are fixed, and a test crossing the edge of a 15-minute
    # one (which happened once in CI) starts counting again.
    settings.RATE_SIGN_IN_ADDRESS = "8/d"
    for n in range(5):
        grid_factories.user(username=f"clerk{n}", role="street_staff", region=tree.street_a)
    client = _client("10.4.0.1")
    statuses = [
        client.post(LOGIN, {"username": f"clerk{n}", "password": f"guess{attempt}"}).status_code
        for attempt in range(2)
        for n in range(5)
    ]
    assert statuses[:8] == [200] * 8 and set(statuses[8:]) == {429}
    locked = client.post(LOGIN, {"username": "clerk0", "password": grid_factories.PASSWORD})
    assert locked.status_code == 429 and "Sign-ins from it are paused" in locked.content.decode()
    other = _client("10.4.0.2").post(LOGIN, {"username": "clerk0", "password": grid_factories.PASSWORD})
    assert other.status_code == 302  # another address signs in


# --- Texts to numbers nobody verified ------------------------------------------------------------------------


def test_texts_to_an_unverified_number_are_bounded(settings, redis_state):
    settings.RATE_SMS_PER_NUMBER = "2/d"
    notify.ConsoleSmsBackend.sent.clear()
    sent = [notify.send_sms("13912345678", f"text {n}", verified=False) for n in range(4)]
    assert sent == [True, True, False, False]
    assert notify.send_sms("13912345678", "a verified resident's text", verified=True)
    assert [text for _phone, text in notify.ConsoleSmsBackend.sent] == [
        "text 0",
        "text 1",
        "a verified resident's text",
    ]


# --- Open311 ------------------------------------------------------------------------------------------------


def test_open311_posts_are_limited_per_address_and_per_key(tree, settings, redis_state):
    settings.OPEN311_JURISDICTION_ID = "zh.gov.cn"
    settings.OPEN311_REGION_CODE = tree.district.code
    settings.OPEN311_POST_LIMIT_PER_ADDRESS = (3, 60)
    settings.OPEN311_POST_LIMIT_PER_KEY = (2, 60)
    factories.category("street_light")
    first, second = (make_key(role="resident", region=tree.compound_a, name=f"app {n}") for n in range(2))
    url = reverse("open311:request_list", kwargs={"fmt": "json"})
    client = _client("10.5.0.1")
    statuses = [client.post(url, open311_report(key, tree)).status_code for key in (first, first, first, second)]
    assert statuses == [200, 200, 429, 429]  # the key's third, then the address's fourth


# --- The REST API ----------------------------------------------------------------------------------------------


def test_the_api_throttles_anonymous_sessions_and_tokens(tree, settings, redis_state):
    settings.API_THROTTLE_ANON = "2/minute"
    settings.API_THROTTLE_USER = "2/minute"
    settings.API_THROTTLE_TOKEN = "2/minute"
    petitions = reverse("petitions_api:petition_list")
    anonymous = APIClient(REMOTE_ADDR="10.6.0.1")  # the public schema: no credentials looked at
    assert [anonymous.get(reverse("api-schema")).status_code for _ in range(3)] == [200, 200, 429]
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    session = APIClient(REMOTE_ADDR="10.6.0.2")
    session.force_login(staff)
    assert [session.get(petitions).status_code for _ in range(3)] == [200, 200, 429]
    _token, key = api_token_create(assignment=staff.role_assignments.get(), name="app", scopes=["petitions:read"])
    machine = APIClient(REMOTE_ADDR="10.6.0.3", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert [machine.get(petitions).status_code for _ in range(3)] == [200, 200, 429]


def test_the_private_evaluation_link_is_limited_per_address(tree, settings, redis_state):
    settings.PETITION_EVALUATION_RATE = "3/minute"
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=tree.unit_a)
    petition = services.petition_accept(user=staff, petition=petition)
    petition = services.petition_reply(user=staff, petition=petition, reply="已修复")
    body = {"code": petition.tracking_code, "token": services.evaluation_token(petition), "rating": "satisfied"}
    client = APIClient(REMOTE_ADDR="10.7.0.1")
    statuses = [client.post(reverse("petitions_api:evaluation"), body, format="json").status_code for _ in range(5)]
    assert statuses == [201, 400, 400, 429, 429]  # evaluated once, refused as done, then limited


def test_window_seconds_reads_django_ratelimits_rates():
    assert ratelimit.window_seconds("20/15m") == 900
    assert ratelimit.window_seconds("3/d") == 86400
    assert ratelimit.window_seconds("10/s") == 1
