"""A resident registers as a volunteer and signs up for an opportunity, on a 390×844 phone."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, DEMO_RESIDENT_PHONE
from tests.browser.a11y import checked, describe
from tests.volunteers.factories import national_id
from volunteers.models import Signup, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(browser, page, label: str, problems: list[str]) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{label}: {overflow}px wider than the screen")
    finding = checked(browser, page)
    if finding.violations:
        problems.append(describe([finding]))


def test_a_resident_registers_and_signs_up_on_a_phone(browser, phone_page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", "--scale", "demo", verbosity=0)
    page, base, problems = phone_page, live_server.url, []
    page.goto(base + reverse("accounts:resident_login"))
    page.get_by_label("手机号码").fill(DEMO_RESIDENT_PHONE)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/home/resident/$"))
    page.get_by_role("link", name="我的志愿服务").first.click()
    page.get_by_role("link", name="登记为志愿者").click()
    page.wait_for_url(re.compile(r"/volunteers/register/$"))
    _fits(browser, page, "registration form", problems)

    # A typo in the ID number: told why, and nothing typed is lost.
    page.get_by_label("真实姓名").fill("陈秀英")
    page.get_by_label("手机号码").fill("13957400000")
    page.get_by_label("身份证号码").fill("110105194912310021")
    page.get_by_label("所在社区").select_option(label="总浦桥社区")
    page.get_by_label("助老").check()
    page.get_by_label("我同意").check()
    page.locator("#id_availability-0-weekday").select_option("5")
    page.locator("#id_availability-0-start").fill("09:00")
    page.locator("#id_availability-0-end").fill("12:00")
    page.get_by_role("button", name="登记").click()
    page.get_by_text("校验位不正确").wait_for()
    assert page.get_by_label("真实姓名").input_value() == "陈秀英"
    _fits(browser, page, "registration form with an error", problems)
    page.get_by_label("身份证号码").fill(national_id())
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(r"/volunteers/me/$"))
    number = page.get_by_test_id("volunteer-number").inner_text()
    assert Volunteer.objects.get(number=number).user.phone == DEMO_RESIDENT_PHONE

    page.get_by_role("link", name="查找志愿服务项目").click()
    _fits(browser, page, "opportunities", problems)
    page.get_by_test_id("opportunity-card").filter(has_text="周末作业辅导").click()
    _fits(browser, page, "opportunity", problems)
    page.get_by_test_id("signup").click()
    page.wait_for_url(re.compile(r"/volunteers/me/$"))
    assert "周末作业辅导" in page.get_by_test_id("my-signups").inner_text()
    assert Signup.objects.filter(volunteer__number=number, opportunity__title="周末作业辅导").exists()
    _fits(browser, page, "my volunteering", problems)
    assert not problems, "\n".join(problems)
