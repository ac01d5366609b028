"""A wish goes from the wall on the front door to fulfilled, on a 390×844 phone."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, DEMO_RESIDENT_PHONE
from tests.browser.a11y import checked, describe
from volunteers.models import Wish, WishStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(browser, page, label: str, problems: list[str]) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{label}: {overflow}px wider than the screen")
    finding = checked(browser, page)
    if finding.violations:
        problems.append(describe([finding]))


def test_a_wish_goes_from_the_wall_to_fulfilled(browser, phone_page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", "--scale", "demo", verbosity=0)
    page, base, problems = phone_page, live_server.url, []
    page.goto(base + reverse("root"))
    page.get_by_test_id("front-wishes").get_by_role("link").first.wait_for()
    page.get_by_role("link", name="查看心愿墙").click()
    page.wait_for_url(re.compile(r"/volunteers/wishes/$"))
    _fits(browser, page, "wish wall", problems)
    page.get_by_test_id("wish-card").filter(has_text="一台电风扇").click()
    _fits(browser, page, "wish", problems)
    page.get_by_role("link", name="登录后认领这个心愿").click()
    page.get_by_label("手机号码").fill(DEMO_RESIDENT_PHONE)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/volunteers/wishes/W\w+/$"))
    page.get_by_label("认领身份").select_option("party_member")
    page.get_by_label("心愿墙上显示为").fill("党员 陈女士")
    page.get_by_test_id("claim").click()
    page.get_by_test_id("fulfil").wait_for()
    _fits(browser, page, "claimed wish", problems)
    page.get_by_label("心愿如何实现").fill("周六上午送到王奶奶家")
    page.get_by_test_id("fulfil").click()
    page.get_by_text("谢谢您！社区将与居民确认。").wait_for()
    wish = Wish.objects.get(title="一台电风扇")
    assert wish.status == WishStatus.FULFILLED and wish.claimant_label == "党员 陈女士"
    assert "周六上午" in wish.proof
    assert not problems, "\n".join(problems)
