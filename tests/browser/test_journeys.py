"""The journeys the front door and the phone are for, walked in Chromium as each user would.

- a visitor on the public home: report a problem, check a status, find the sign-ins;
- a grid leader's day on a 390×844 phone: file an item, find it in the list, open it;
- a resident on the private link from their SMS, reading in English;
- a street clerk closing an item without a fix, and the dashboard counting it apart.

Every page also passes the axe-core check (tests/browser/a11y.py). With ``SCREENSHOT_DIR`` set the
phone pages are photographed there (``docs/screenshots/`` holds the committed set: see README).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from grids import demo as grids_demo
from grids.models import HandlingUnit, Region
from petitions import services
from petitions.models import Klass, Outcome, Petition, Status
from reports import services as report_services
from tests.browser.helpers import sign_in
from tests.petitions import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo_data(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", "--scale", "demo", verbosity=0)


def _shot(page, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(django_settings.BASE_DIR) / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, page.url


def test_a_visitor_reports_checks_a_status_and_finds_the_sign_ins(phone_page, live_server, demo_data):
    page, base = phone_page, live_server.url
    page.goto(base + "/")
    tiles = page.get_by_test_id("front-tiles")
    assert tiles.is_visible()
    _no_sideways_scroll(page)
    _shot(page, "front-door-phone")
    # The first thing on the page is the report box; it leads to the public form.
    first = tiles.locator("section").first
    first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/petitions/report/$"))
    # Back home, the status check answers from the front page itself.
    item = Petition.objects.filter(status=Status.REPLIED, reporter_phone__regex=r"^1\d{10}$").order_by("-id").first()
    page.goto(base + "/")
    status = page.get_by_test_id("front-status")
    status.locator("input[name=code]").fill(item.tracking_code.lower())
    status.locator("input[name=phone_last4]").fill(item.phone_last4)
    status.get_by_role("button").click()
    page.get_by_test_id("public-item").wait_for()
    assert item.tracking_code in page.locator("main").inner_text()
    _no_sideways_scroll(page)
    _shot(page, "status-check-phone")
    # Residents and staff sign in from the front page.
    page.goto(base + "/")
    page.get_by_role("link", name=re.compile("手机号")).click()
    page.wait_for_url(re.compile(r"/accounts/login/resident/"))
    page.goto(base + "/")
    page.get_by_role("link", name="工作人员登录").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))


def test_a_grid_leaders_day_on_a_phone(phone_page, live_server, demo_data):
    page, base = phone_page, live_server.url
    sign_in(page, base, "grid_leader")
    _no_sideways_scroll(page)
    _shot(page, "grid-leader-home-phone")
    # File: from the home page's first button.
    page.get_by_role("link", name="提交诉求").click()
    page.wait_for_url(re.compile(r"/petitions/new/$"))
    page.locator("#id_category").select_option(str(factories.category("greenery").pk))
    page.locator("#id_title").fill("绿化带树枝挡住监控")
    page.locator("#id_description").fill("清川佳园南门绿化带的香樟树枝挡住了监控探头。")
    page.locator("#id_reporter_name").fill("林小芳")
    page.locator("#id_reporter_phone").fill("13912340008")
    page.get_by_test_id("intake-save").click()
    page.wait_for_url(re.compile(r"/petitions/new/\d+/done/$"))
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    # List: the queue is cards on a phone, filters folded; the new item is among them.
    page.goto(base + reverse("petitions:queue"))
    card = page.locator(f'[data-testid="queue-row"][data-code="{code}"]')
    card.wait_for()
    box = card.bounding_box()
    assert box["width"] <= 390
    assert not page.locator("#queue-filters").is_visible()
    _no_sideways_scroll(page)
    _shot(page, "grid-leader-queue-phone")
    # Open it.
    card.get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(r"/petitions/\d+/$"))
    assert code in page.locator("main").inner_text()
    _no_sideways_scroll(page)
    _shot(page, "grid-leader-item-phone")
    filed = Petition.objects.get(tracking_code=code)
    assert filed.channel == "grid" and filed.filed_by.username == "grid_leader"


def test_a_resident_reads_the_private_link_in_english(browser, live_server, demo_data):
    from django.contrib.auth import get_user_model

    grid = Region.objects.get(code=grids_demo.QINGCHUAN_GRID_CODE)
    staff = get_user_model().objects.get(username="street_staff")
    unit = HandlingUnit.objects.get(code=grids_demo.ZHAOBAOSHAN_URBAN_UNIT_CODE)
    petition = factories.petition(region=grid, code="street_light", channel="grid", filed_by=staff)
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.ROUTINE, unit=unit)
    petition = services.petition_accept(user=staff, petition=petition)
    petition = services.petition_reply(user=staff, petition=petition, reply="路灯已更换，恢复照明。")
    link = reverse("petitions:public_evaluate", args=[petition.tracking_code, services.evaluation_token(petition)])

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + link)
        page.get_by_test_id("public-item").wait_for()
        assert page.locator("html").get_attribute("lang") == "en"
        with translation.override("en"):
            assert page.get_by_test_id("status-label").inner_text().strip() == str(Status.REPLIED.label)
        timeline = page.get_by_test_id("timeline")
        labels = timeline.locator(".fw-semibold").all_inner_texts()
        assert labels and not [label for label in labels if CJK.search(label)], labels
        text = timeline.inner_text()
        assert "Filed through Grid leader." in text
        assert "路灯已更换，恢复照明。" in text  # what a person wrote stays as written
        _no_sideways_scroll(page)
        _shot(page, "resident-private-link-english-phone")
    finally:
        context.close()


def test_a_close_without_a_fix_is_counted_apart_on_the_dashboard(browser, live_server, demo_data):
    street = Region.objects.get(code=grids_demo.ZHAOBAOSHAN_CODE)
    grid = Region.objects.get(code=grids_demo.QINGCHUAN_GRID_CODE)
    petition = factories.petition(region=grid, code="parking", title="小区外道路违停")
    report_services.rollup_refresh()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        base = live_server.url
        sign_in(page, base, "street_staff")
        dashboard = base + reverse("reports:dashboard") + f"?region={street.pk}"
        page.goto(dashboard)
        before = _unfixed(page)

        page.goto(base + reverse("petitions:detail", kwargs={"pk": petition.pk}))
        panel = page.locator("#action-close_unfixed")
        panel.locator("summary").click()
        panel.get_by_role("button").click()  # nothing chosen: refused, nothing lost
        page.locator("#action-close_unfixed .invalid-feedback").first.wait_for()
        panel = page.locator("#action-close_unfixed")
        panel.locator("select[name=outcome]").select_option(Outcome.OUTSIDE_REMIT)
        panel.locator("textarea[name=reply]").fill("道路违停由交警部门处理，已告知居民拨打122。")
        panel.get_by_role("button").click()
        page.wait_for_url(re.compile(rf"/petitions/{petition.pk}/$"))
        petition.refresh_from_db()
        assert (petition.status, petition.outcome) == (Status.REPLIED, Outcome.OUTSIDE_REMIT)

        report_services.rollup_refresh()  # what beat does every five minutes
        page.goto(dashboard)
        after = _unfixed(page)
        assert after == (before[0] + 1, before[1] + 1)
        page.locator('[data-kpi="unfixed_share"] a').click()
        page.wait_for_url(re.compile(r"outcome=unfixed"))
        assert page.locator(f'[data-testid="queue-row"][data-code="{petition.tracking_code}"]').count() == 1
    finally:
        context.close()


def _unfixed(page) -> tuple[int, int]:
    """The "closed without a fix" card's figures: (closed without a fix, answered)."""
    detail = page.locator('[data-kpi="unfixed_share"] .small.text-muted').nth(1).inner_text()
    part, whole = (int(n) for n in re.findall(r"\d+", detail)[:2])
    return part, whole
