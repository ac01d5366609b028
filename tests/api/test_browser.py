"""In headless Chromium: the API documentation renders with the network cut off (every asset is
the portal's own), and a street staff member creates a token on a phone and a machine client uses
it."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.browser.conftest import browser  # noqa: F401 (the fixture)
from tests.grids import factories
from tests.petitions import factories as petition_factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _offline_page(browser, live_server):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside = []

    def only_the_portal(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_portal)
    return context, page, outside


def test_swagger_ui_and_redoc_render_without_the_internet(browser, live_server):  # noqa: F811
    context, page, outside = _offline_page(browser, live_server)
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock").nth(19).wait_for()  # all petition operations drawn from the schema
    assert page.locator(".opblock").count() >= 21
    page.goto(f"{live_server.url}/api/redoc/")
    page.get_by_role("heading", name="镇海社区服务平台 API").first.wait_for()
    assert outside == []
    context.close()


def test_staff_create_a_token_and_a_client_calls_the_api_with_it(browser, live_server, tree):  # noqa: F811
    staff = factories.user(username="token_staff", role="street_staff", region=tree.street_a)
    petition = petition_factories.petition(region=tree.grid_a)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_test_id("new-token").click()
    page.get_by_label("Name").fill("district dashboard")
    page.get_by_label("Read petitions").check()
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("token-key").input_value()
    assert key.startswith("zh_")
    page.get_by_role("link", name="Done").click()
    assert "district dashboard" in page.get_by_test_id("token-list").inner_text()
    assert key not in page.content()
    context.close()

    request = urllib.request.Request(f"{live_server.url}/api/v1/petitions/", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live test server)
        body = json.loads(response.read())
    assert [row["id"] for row in body["results"]] == [petition.pk]
