"""Each demo role signs in on a phone-sized screen, lands on its home page in 简体中文, and switches
to English."""

from __future__ import annotations

import base64
import re

import pytest
from django.core.management import call_command
from django.utils import translation
from django_otp.oath import TOTP

from grids.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHINESE_TITLES = {
    Role.RESIDENT: "居民工作台",
    Role.GRID_LEADER: "网格长工作台",
    Role.COMMUNITY_STAFF: "社区工作者工作台",
    Role.STREET_STAFF: "街道工作人员工作台",
    Role.HANDLER: "承办单位工作台",
    Role.DISTRICT_STAFF: "区级工作人员工作台",
    Role.VOLUNTEER_COORDINATOR: "志愿服务管理员工作台",
    Role.FUND_MANAGER: "基金管理员工作台",
    Role.PANEL_MEMBER: "决议团成员工作台",
    Role.EVALUATOR: "第三方评价工作台",
    Role.ADMIN: "系统管理员工作台",
}


@pytest.fixture
def demo_data():
    call_command("seed_demo", "--scale", "demo", verbosity=0)
    from accounts.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _totp_from_page(page) -> str:
    secret = page.get_by_test_id("otp-secret").inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_every_demo_role_signs_in_and_switches_language(browser, live_server, demo_data):
    for role in Role:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        if role == Role.RESIDENT:
            page.goto(f"{live_server.url}/accounts/login/resident/")
            page.get_by_label("手机号码").fill("138 0000 0001")
        else:
            page.goto(f"{live_server.url}/accounts/login/")
            page.get_by_label("用户名").fill(role.value)
        page.get_by_label("密码").fill(demo_data)
        page.get_by_role("button", name="登录").click()
        if role == Role.ADMIN:
            page.wait_for_url(re.compile(r"/accounts/otp/"))
            page.get_by_label("身份验证器应用中的六位数字验证码").fill(_totp_from_page(page))
            page.get_by_role("button", name="验证").click()
        page.wait_for_url(re.compile(rf"/accounts/home/{role.value}/$"))
        title = page.get_by_test_id("role-home-title")
        assert title.inner_text().strip() == CHINESE_TITLES[role], role
        with page.expect_navigation():
            page.get_by_label("语言").select_option("en")
        with translation.override("en"):
            english = f"{role.label} workspace"
        assert page.get_by_test_id("role-home-title").inner_text().strip() == english
        assert page.locator("html").get_attribute("lang") == "en"
        context.close()


def test_wrong_password_and_bad_phone_on_a_phone(phone_page, live_server, demo_data):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/resident/")
    page.get_by_label("手机号码").fill("12345")
    page.get_by_label("密码").fill("whatever")
    page.get_by_role("button", name="登录").click()
    error = page.locator("#id_phone_error")
    assert "请输入有效的中国大陆手机号码" in error.inner_text()
    assert page.get_by_label("手机号码").input_value() == "12345"  # nothing the user typed is lost
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("street_staff")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码不正确" in page.get_by_role("alert").inner_text()


def test_user_without_role_sees_the_explanation(phone_page, live_server, demo_data):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("newcomer")
    page.get_by_label("密码").fill(demo_data)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/home/$"))
    assert "尚未分配角色" in page.content()


def test_grid_leader_opens_the_menu_on_a_phone_and_browses_the_regions(phone_page, live_server, demo_data):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("grid_leader")
    page.get_by_label("密码").fill(demo_data)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/home/grid_leader/$"))
    page.screenshot(path=str(_artifacts() / "grid-leader-home-phone.png"), full_page=True)
    page.get_by_role("button", name="展开/收起导航").click()
    page.get_by_role("link", name="区域", exact=True).click()
    page.wait_for_url(re.compile(r"/grids/regions/$"))
    page.get_by_role("link", name="清川佳园第一网格").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("清川佳园第一网格")


def _artifacts():
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
