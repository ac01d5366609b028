"""The benchmark's baseline page and endpoint, and the Server-Timing middleware."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.timing import QueryTimer, server_timing
from grids.roles import Role
from tests.grids import factories

TIMING = re.compile(r'^db;dur=([\d.]+);desc="(\d+) queries", app;dur=([\d.]+)$')


@pytest.fixture
def staff(tree):
    return factories.user(username="bench_staff", role=Role.STREET_STAFF, region=tree.street_a)


@pytest.mark.django_db
def test_trivial_page_needs_sign_in(client):
    response = client.get(reverse("trivial"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_trivial_page_is_the_base_template_with_no_data(client, staff, english, django_assert_num_queries):
    client.force_login(staff)
    client.get(reverse("trivial"))  # first request: caches warm
    with django_assert_num_queries(5):  # session, user, role assignments, OTP devices, unread notifications
        response = client.get(reverse("trivial"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="navbar' in html and "Baseline page" in html
    assert "petition" not in html.split('id="main"')[1].lower()


@pytest.mark.django_db
def test_trivial_endpoint_answers_an_empty_object(client, staff):
    assert client.get(reverse("api_trivial")).status_code == 401
    client.force_login(staff)
    assert client.get(reverse("api_trivial")).json() == {}
    assert client.post(reverse("api_trivial"), {"title": "x"}, content_type="application/json").json() == {}


@pytest.mark.django_db
def test_no_server_timing_unless_switched_on(client, staff):
    client.force_login(staff)
    assert "Server-Timing" not in client.get(reverse("trivial")).headers


@pytest.mark.django_db
def test_server_timing_counts_every_query_of_the_request(client, staff, settings):
    settings.MIDDLEWARE = ["core.timing.ServerTimingMiddleware", *settings.MIDDLEWARE]
    client.force_login(staff)
    client.get(reverse("trivial"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("trivial"))
    match = TIMING.match(response.headers["Server-Timing"])
    assert match, response.headers["Server-Timing"]
    db_ms, count, app_ms = float(match[1]), int(match[2]), float(match[3])
    assert count == len(queries) == 5
    assert 0 < db_ms <= app_ms


def test_query_timer_adds_up_time_and_count():
    timer = QueryTimer()

    def execute(sql, params, many, context):
        return "rows"

    assert timer(execute, "SELECT 1", None, False, {}) == "rows"
    timer(execute, "SELECT 2", None, False, {})
    assert timer.count == 2
    assert timer.seconds > 0
    assert server_timing(timer, 0.0125).endswith('desc="2 queries", app;dur=12.50')
