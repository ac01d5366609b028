"""Steps the browser tests share."""

from __future__ import annotations

import re

from django.urls import reverse

from accounts.demo import DEMO_PASSWORD


def sign_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign a demo staff login in through the page, in 简体中文, and wait for their home page."""
    page.goto(f"{base}{reverse('accounts:login')}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(rf"/accounts/home/{username}/$"))
