"""Grid work on a phone (390×844): a grid leader logs a field day and turns a finding into a petition
in one step (the petition's page links back to the field day); a resident, signed out, reads the
service catalogue and a centre's opening hours."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from grids import demo as grids_demo
from gridwork.models import FieldDay
from petitions.models import Petition
from tests.petitions import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data_restored"),
]


def _add_categories() -> None:
    importlib.import_module("petitions.migrations.0002_categories").add(django_apps, None)


@pytest.fixture(scope="module")
def migration_data_restored(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _add_categories()


@pytest.fixture
def demo_data(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _add_categories()
    call_command("seed_demo", "--scale", "demo", verbosity=0)
    from accounts.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def test_grid_leader_logs_a_field_day_and_files_a_finding_on_a_phone(phone_page, live_server, demo_data):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("grid_leader")
    page.get_by_label("密码").fill(demo_data)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/home/grid_leader/$"))
    assert re.search(r"\d+ / 3", page.get_by_test_id("field-days-week").inner_text())

    page.get_by_role("link", name="记录下沉").first.click()
    page.wait_for_url(re.compile(r"/gridwork/field-days/new/$"))
    page.get_by_label("走访户数").fill("9")
    page.get_by_label("发现的问题").fill("6幢外墙瓷砖脱落")
    page.get_by_test_id("field-day-save").click()
    page.wait_for_url(re.compile(r"/gridwork/field-days/\d+/$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    day = FieldDay.objects.filter(leader__username="grid_leader").latest("id")
    assert day.households == 9 and day.grid.code == grids_demo.QINGCHUAN_GRID_CODE
    finding = day.findings.get()
    page.locator(f"#id_f{finding.pk}-category").select_option(str(factories.category("housing").pk))
    page.get_by_test_id("file-finding").click()
    link = page.get_by_test_id("finding-petition")
    link.wait_for()
    petition = Petition.objects.get(tracking_code=link.inner_text().strip())
    assert petition.channel == "grid" and petition.region_id == day.grid_id and petition.title == "6幢外墙瓷砖脱落"

    link.click()
    page.wait_for_url(re.compile(rf"/petitions/{petition.pk}/$"))
    assert "下沉网格时发现" in page.get_by_test_id("related").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_resident_reads_the_service_catalogue_on_a_phone(phone_page, live_server, demo_data):
    """Signed out, from the front door to a centre's hours and items, and a search."""
    page = phone_page
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="办事指南").click()
    page.wait_for_url(re.compile(r"/gridwork/services/$"))
    page.get_by_test_id("service-centre").filter(has_text="总浦桥社区").click()
    page.wait_for_url(re.compile(r"/gridwork/services/\d+/$"))
    hours = page.get_by_test_id("opening-hours").inner_text()
    assert "错时服务" in hours and "延时服务" in hours and "19:30" in hours
    assert page.get_by_test_id("service-item").count() >= 70
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("搜索").fill("高龄津贴")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"q="))
    assert page.get_by_test_id("service-item").count() == 1
    assert "银行卡" in page.get_by_test_id("service-item").inner_text()


def test_community_worker_pages_fit_a_phone(phone_page, live_server, demo_data):
    """The other grid-work pages a community worker opens on a phone: no sideways scrolling, and
    each passes the accessibility check every browser page gets."""
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("community_staff")
    page.get_by_label("密码").fill(demo_data)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/home/community_staff/$"))
    for path, testid in [
        ("/gridwork/meetings/", "meetings"),
        ("/gridwork/households/", "visit-rate"),
        ("/gridwork/stations/", "stations"),
        ("/gridwork/reception/", "receptions"),
        ("/gridwork/field-days/", "field-days"),
        ("/gridwork/dashboard/", "grid-figures"),
    ]:
        page.goto(f"{live_server.url}{path}")
        page.get_by_test_id(testid).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(f"{live_server.url}/gridwork/meetings/")
    page.get_by_test_id("meetings").locator("a").first.click()
    page.get_by_test_id("resolutions").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}/gridwork/households/")
    page.get_by_test_id("households").locator("a").first.click()
    page.get_by_test_id("visit-save").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
