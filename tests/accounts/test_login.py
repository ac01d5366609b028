"""Sign-in for staff and residents, bad input, lockout, and the second factor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grids.roles import Role
from tests.grids import factories

pytestmark = pytest.mark.django_db


def _zh(client):
    client.cookies["django_language"] = "zh-hans"


def test_staff_signs_in_and_lands_on_role_home(client, tree):
    factories.user(username="leader", role=Role.GRID_LEADER, region=tree.grid_a)
    response = client.post(
        reverse("accounts:login"), {"username": "leader", "password": factories.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:role_home", kwargs={"role": "grid_leader"})
    assert "网格长工作台" in response.content.decode()


def test_wrong_password_is_a_clear_translated_error_and_keeps_the_username(client, tree):
    factories.user(username="leader", role=Role.GRID_LEADER, region=tree.grid_a)
    _zh(client)
    response = client.post(reverse("accounts:login"), {"username": "leader", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名或密码不正确" in html
    assert 'value="leader"' in html


def test_english_error_when_english_is_chosen(client, tree):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:login"), {"username": "ghost", "password": "wrong"})
    assert "The username or password is not correct" in response.content.decode()


@pytest.mark.parametrize("phone", ["12345", "1380013800", "abcdefghijk", "+1 650 253 0000", "05748888888"])
def test_malformed_phone_is_rejected_next_to_the_field(client, phone):
    _zh(client)
    response = client.post(reverse("accounts:resident_login"), {"phone": phone, "password": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入有效的中国大陆手机号码" in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_phone_error"' in html


def test_resident_signs_in_with_phone_in_any_common_format(client, tree):
    factories.user(username="r1", role=Role.RESIDENT, region=tree.compound_a, phone="13800000001")
    response = client.post(
        reverse("accounts:resident_login"), {"phone": "+86 138-0000-0001", "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert client.get(response["Location"])["Location"] == reverse("accounts:role_home", kwargs={"role": "resident"})


def test_resident_wrong_password(client, tree):
    factories.user(username="r1", role=Role.RESIDENT, region=tree.compound_a, phone="13800000001")
    _zh(client)
    response = client.post(reverse("accounts:resident_login"), {"phone": "13800000001", "password": "nope"})
    assert "手机号码或密码不正确" in response.content.decode()


def test_user_without_role_is_told_so(client):
    factories.user(username="nobody")
    _zh(client)
    client.post(reverse("accounts:login"), {"username": "nobody", "password": factories.PASSWORD})
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    assert "尚未分配角色" in response.content.decode()


def test_repeated_failures_lock_out_and_say_so(client, tree, settings):
    factories.user(username="leader", role=Role.GRID_LEADER, region=tree.grid_a)
    _zh(client)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("accounts:login"), {"username": "leader", "password": "bad"}).status_code == 200
    locked = client.post(reverse("accounts:login"), {"username": "leader", "password": "bad"})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Even the right password is refused while locked.
    again = client.post(reverse("accounts:login"), {"username": "leader", "password": factories.PASSWORD})
    assert again.status_code == 429


def test_admin_must_enrol_totp_before_anything_else(client, tree):
    admin = factories.user(username="boss", role=Role.ADMIN, region=tree.district)
    client.post(reverse("accounts:login"), {"username": "boss", "password": factories.PASSWORD})
    home = client.get(reverse("accounts:role_home", kwargs={"role": "admin"}))
    assert home.status_code == 302 and home["Location"].startswith(reverse("accounts:otp"))
    page = client.get(reverse("accounts:otp"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    bad = client.post(reverse("accounts:otp"), {"token": "000000" if totp(device.bin_key) else "111111"})
    assert bad.status_code == 200
    assert "验证码无效" in bad.content.decode()
    # django-otp throttles after a failure (1 s, then doubling); pretend the wait has passed.
    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
    assert ok.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:role_home", kwargs={"role": "admin"})).status_code == 200


def test_staff_with_a_device_must_verify_at_each_sign_in(client, tree):
    leader = factories.user(username="leader", role=Role.STREET_STAFF, region=tree.street_a)
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    client.post(reverse("accounts:login"), {"username": "leader", "password": factories.PASSWORD})
    assert client.get(reverse("grids:region_list")).status_code == 302
    client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
    assert client.get(reverse("grids:region_list")).status_code == 200


def test_staff_without_a_device_is_not_forced(client, tree):
    factories.user(username="leader", role=Role.STREET_STAFF, region=tree.street_a)
    client.post(reverse("accounts:login"), {"username": "leader", "password": factories.PASSWORD})
    assert client.get(reverse("grids:region_list")).status_code == 200


def test_django_admin_needs_the_second_factor(client, tree):
    admin = factories.user(username="boss", role=Role.ADMIN, region=tree.district)
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    assert client.get("/admin/grids/region/").status_code == 302
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
    assert client.get("/admin/grids/region/").status_code == 200
    assert client.get("/admin/core/workingday/").status_code == 200


def test_open_redirect_is_refused(client, tree):
    factories.user(username="leader", role=Role.GRID_LEADER, region=tree.grid_a)
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": "leader", "password": factories.PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("accounts:home")


def test_language_switch_sets_english(client, tree):
    factories.user(username="leader", role=Role.GRID_LEADER, region=tree.grid_a)
    client.post(reverse("accounts:login"), {"username": "leader", "password": factories.PASSWORD})
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/accounts/home/grid_leader/"}, follow=True
    )
    assert "Grid leader workspace" in response.content.decode()
    translation.activate("zh-hans")


def test_a_reused_code_and_too_many_wrong_codes_are_told_apart_from_a_wrong_one(client, tree):
    leader = factories.user(username="leader", role=Role.STREET_STAFF, region=tree.street_a)
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    code = f"{totp(device.bin_key):06d}"
    client.post(reverse("accounts:login"), {"username": "leader", "password": factories.PASSWORD})
    assert client.post(reverse("accounts:otp"), {"token": code}).status_code == 302

    other = Client(HTTP_ACCEPT_LANGUAGE="en")  # a second sign-in, typing the same code again
    other.post(reverse("accounts:login"), {"username": "leader", "password": factories.PASSWORD})
    body = other.post(reverse("accounts:otp"), {"token": code}).content.decode()
    assert "already been used" in body and "clock" not in body

    device.refresh_from_db()
    device.throttle_reset()
    wrong = "000000" if code != "000000" else "111111"
    body = other.post(reverse("accounts:otp"), {"token": wrong}).content.decode()
    assert "not valid" in body and "newest code" in body
    body = other.post(reverse("accounts:otp"), {"token": wrong}).content.decode()  # within the throttle
    assert "Too many wrong codes" in body


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("zh-hans", ["镇海社区服务平台", "身份验证器设备", "登录尝试与锁定", "访问尝试"]),
        (
            "en",
            ["Zhenhai community portal", "Authenticator devices", "Sign-in attempts and lockouts", "Access attempts"],
        ),
    ],
)
def test_the_admin_and_third_party_names_are_in_the_readers_language(client, tree, language, names):
    admin = factories.user(username="boss", role=Role.ADMIN, region=tree.district)
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for name in names:
        assert name in body, name
    assert client.get("/admin/accounts/authenticatordevice/").status_code == 200
