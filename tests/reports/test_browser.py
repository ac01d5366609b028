"""A district officer's journey in headless Chromium: the dashboard, a figure's items in the queue,
drilling down to a street, the league table and the monthly PDF."""

from __future__ import annotations

import re

import pytest

from petitions.reference import ensure_categories
from reports import services
from tests.browser.conftest import browser  # noqa: F401 - the shared Chromium fixture
from tests.grids import factories as grid_factories
from tests.reports.dataset import KnownSet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def migration_data_restored(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        ensure_categories()


@pytest.mark.usefixtures("migration_data_restored")
def test_district_officer_follows_a_figure_to_its_items_and_drills_down(browser, live_server, tree):  # noqa: F811
    KnownSet(tree).build()
    services.rollup_refresh(all_months=True)
    officer = grid_factories.user(username="officer", role="district_staff", region=tree.district)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(grid_factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/home/"))

    page.goto(f"{live_server.url}/reports/")
    form = page.locator("#report-form")
    form.get_by_label("From month").fill("2026-03")
    form.get_by_label("To month").fill("2026-03")
    form.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"start=2026-03"))
    assert page.get_by_test_id("kpi-collected").inner_text() == "9"
    assert page.get_by_test_id("kpi-satisfaction_rate").inner_text() == "60.0%"
    assert page.locator("svg.report-chart").count() == 3
    assert "Items replied to the resident or closed" in page.get_by_test_id("definitions").inner_text()

    page.get_by_test_id("kpi-satisfaction_rate").click()  # the items behind the figure
    page.wait_for_url(re.compile(r"/petitions/\?.*rated=good"))
    assert page.get_by_test_id("queue-row").count() == 3

    page.go_back()
    page.get_by_test_id("by-region").get_by_role("link", name=tree.street_a.name).click()
    page.wait_for_url(re.compile(rf"region={tree.street_a.pk}"))
    assert page.get_by_test_id("kpi-collected").inner_text() == "7"

    page.get_by_role("link", name="Handling-unit league table").click()
    assert page.get_by_test_id("league").locator("tbody tr").first.get_attribute("data-key") == str(tree.unit_a.pk)

    pdf = context.request.get(f"{live_server.url}/reports/monthly.pdf?region={tree.district.pk}&month=2026-03")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    context.close()
