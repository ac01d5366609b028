"""Every page a grid leader or a resident uses fits a 390×844 phone without sideways scrolling and
passes axe-core's WCAG 2.x A/AA rules with no serious or critical violation."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, DEMO_RESIDENT_PHONE
from grids.demo import QINGCHUAN_GRID_CODE
from grids.models import Region
from petitions import services
from petitions.models import Petition
from tests.browser.a11y import checked, describe
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", "--scale", "demo", verbosity=0)


def _fits(browser, page, path: str, problems: list[str]) -> None:
    """The page as it stands: no sideways scrolling, no serious accessibility violation."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5).map((e) => e.tagName + '.' + e.className)"""
        )
        problems.append(f"{path}: {overflow}px wider than the screen ({', '.join(wide)})")
    finding = checked(browser, page)
    if finding.violations:
        problems.append(describe([finding]))


def _visit(browser, page, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    _fits(browser, page, url, problems)


def test_a_grid_leaders_pages_fit_a_phone(browser, phone_page, live_server, demo_data):
    page, base, problems = phone_page, live_server.url, []
    sign_in(page, base, "grid_leader")
    _fits(browser, page, "home", problems)
    grid = Region.objects.get(code=QINGCHUAN_GRID_CODE)
    item = Petition.objects.filter(region_path__startswith=grid.path).order_by("-id").first()
    for url in (
        reverse("petitions:queue"),
        reverse("petitions:queue") + "?open=any&channel=grid",
        reverse("petitions:detail", kwargs={"pk": item.pk}),
        reverse("petitions:intake"),
        reverse("notifications"),
        reverse("grids:region_list"),
        reverse("grids:region_detail", kwargs={"pk": grid.pk}),
        reverse("grids:unit_list"),
    ):
        _visit(browser, page, base + url, problems)
    # The queue's filters fold behind one button on a phone; unfolded, they still fit.
    page.goto(base + reverse("petitions:queue") + "?open=any&channel=grid")
    assert not page.locator("#queue-filters").is_visible()
    assert page.get_by_test_id("filter-chip").count() == 1  # the channel; "open: any" is no filter in force
    page.get_by_test_id("filters-toggle").click()
    page.locator("#queue-filters").wait_for(state="visible")
    _fits(browser, page, "queue with the filters unfolded", problems)
    cards = page.get_by_test_id("queue-row")
    assert cards.count() > 0
    box = cards.first.bounding_box()
    assert box["width"] <= 390
    assert not problems, "\n".join(problems)


def test_a_residents_pages_fit_a_phone(browser, phone_page, live_server, demo_data):
    page, base, problems = phone_page, live_server.url, []
    for url in (
        "/",
        reverse("petitions:public_report"),
        reverse("petitions:public_status"),
        reverse("accounts:resident_login"),
        reverse("accounts:login"),
    ):
        _visit(browser, page, base + url, problems)
    mine = Petition.objects.filter(reporter__phone=DEMO_RESIDENT_PHONE).order_by("-id").first()
    assert mine is not None, "the demo resident has petitions of their own"
    token = services.evaluation_token(mine)
    _visit(browser, page, base + reverse("petitions:public_evaluate", args=[mine.tracking_code, token]), problems)
    page.goto(base + reverse("accounts:resident_login"))
    page.get_by_label("手机号码").fill(DEMO_RESIDENT_PHONE)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/home/resident/$"))
    _fits(browser, page, "resident home", problems)
    for url in (
        reverse("petitions:mine"),
        reverse("petitions:mine_detail", args=[mine.tracking_code]),
        reverse("notifications"),
    ):
        _visit(browser, page, base + url, problems)
    assert not problems, "\n".join(problems)
