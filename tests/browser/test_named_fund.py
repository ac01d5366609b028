"""A fund manager creates a named fund on a phone, records a yearly pledge and a receipt; a visitor,
signed out, reads the fund's public page: money in, money out, balance, the donor as consented."""

from __future__ import annotations

import re

import pytest

from funds.models import Fund
from tests.grids import factories as grid_factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, page.url


def test_a_named_fund_from_pledge_to_its_public_page(browser, live_server, tree):
    grid_factories.user(username="fm", role="fund_manager", region=tree.street_a)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", device_scale_factor=2)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fm")
    page.get_by_label("Password").fill(grid_factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/home/"))

    page.goto(f"{live_server.url}/funds/manage/new/")
    _no_sideways_scrolling(page)
    page.get_by_label("Kind of fund").select_option(label="Named fund")
    page.get_by_label(re.compile(r"^Name\b")).fill("陈老师奖学金")
    page.get_by_label("Region").select_option(label=tree.community_a.name)
    page.get_by_label("Purpose").fill("奖学金")
    page.get_by_label("Donor (named fund)").fill("陈老师")
    page.get_by_label("The donor agrees to be named publicly").check()
    page.get_by_role("button", name="Create the fund").click()
    page.get_by_text("The fund was created.").wait_for()
    fund = Fund.objects.get(name="陈老师奖学金")
    _no_sideways_scrolling(page)

    pledge = page.locator("#pledge")
    pledge.get_by_label(re.compile(r"^Pledge")).select_option(label="Yearly")
    pledge.get_by_label(re.compile(r"^Amount")).fill("2000")
    pledge.get_by_label("From year").fill("2016")
    pledge.get_by_role("button", name="Record the pledge").click()
    page.get_by_text("The pledge was recorded.").wait_for()
    assert "陈老师 · 2016" in page.get_by_test_id("arrears").inner_text()

    receipt = page.locator("#receipt")
    receipt.get_by_label("Against pledge").select_option(index=1)  # the oldest: 2016
    receipt.get_by_label("Amount received (yuan)").fill("2000")
    receipt.get_by_role("button", name="Record").click()
    page.get_by_text("The money received was recorded.").wait_for()
    assert page.get_by_test_id("manage-balance").inner_text() == "¥2,000.00"
    context.close()

    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    visitor.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    public = visitor.new_page()
    public.goto(f"{live_server.url}/")
    public.get_by_role("link", name="See the funds").click()
    public.get_by_role("link", name="陈老师奖学金").click()
    public.wait_for_url(re.compile(rf"/funds/{fund.pk}/$"))
    _no_sideways_scrolling(public)
    assert public.get_by_test_id("money-in").inner_text() == "¥2,000.00"
    assert public.get_by_test_id("money-out").inner_text() == "¥0.00"
    assert public.get_by_test_id("balance").inner_text() == "¥2,000.00"
    assert public.get_by_test_id("fund-donor").inner_text() == "陈老师"
    visitor.close()
