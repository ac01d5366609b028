"""Two journeys on a phone-sized screen: a grid leader files a resident's issue (seeing a likely
duplicate first), and a resident checks the status with the code and evaluates the result."""

from __future__ import annotations

import importlib
import re
import time

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from grids import demo as grids_demo
from grids.models import HandlingUnit, Region
from petitions import services
from petitions.models import Evaluation, Klass, Petition, Status
from tests.browser.helpers import sign_in
from tests.petitions import factories

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows; the serialized rollback brings back the migrations'
    # categories that the flush after each transactional test empties.
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data_restored"),
]


def _add_categories() -> None:
    importlib.import_module("petitions.migrations.0002_categories").add(django_apps, None)


@pytest.fixture(scope="module")
def migration_data_restored(django_db_blocker):
    """Put the migrations' categories back after the last flush, for later tests and later
    ``--reuse-db`` sessions."""
    yield
    with django_db_blocker.unblock():
        _add_categories()


@pytest.fixture
def demo_data(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _add_categories()  # in case an earlier session's flush left the reused database without them
    call_command("seed_demo", "--scale", "demo", verbosity=0)
    from accounts.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _artifacts():
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_grid_leader_files_on_a_phone_and_sees_a_duplicate_first(phone_page, live_server, demo_data):
    grid = Region.objects.get(code=grids_demo.QINGCHUAN_GRID_CODE)
    existing = factories.petition(
        region=grid,
        code="street_light",
        title="3号楼路灯坏了",
        description="清川佳园3号楼东侧的路灯坏了，晚上很黑。",
    )
    page = phone_page
    sign_in(page, live_server.url, "grid_leader", demo_data)

    started = time.monotonic()
    page.goto(f"{live_server.url}/petitions/new/")
    assert page.locator("#id_region").input_value() == str(grid.pk)  # defaults to the leader's grid
    assert page.locator("#id_channel").input_value() == "grid"
    page.locator("#id_category").select_option(str(factories.category("street_light").pk))
    page.locator("#id_title").fill("路灯不亮")
    page.locator("#id_description").fill("3号楼东侧路灯不亮了，晚上很黑")
    page.locator("#id_description").blur()
    warning = page.get_by_test_id("duplicates")
    warning.wait_for()
    assert existing.tracking_code in warning.inner_text()
    page.screenshot(path=str(_artifacts() / "grid-leader-intake-duplicates-phone.png"), full_page=True)
    page.locator("#id_reporter_name").fill("林小芳")
    page.locator("#id_reporter_phone").fill("139 1234 0007")
    page.get_by_test_id("intake-save").click()
    page.wait_for_url(re.compile(r"/petitions/new/\d+/done/$"))
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    elapsed = time.monotonic() - started
    page.screenshot(path=str(_artifacts() / "grid-leader-intake-done-phone.png"), full_page=True)

    filed = Petition.objects.get(tracking_code=code)
    assert filed.region == grid and filed.channel == "grid" and filed.phone_last4 == "0007"
    assert filed.filed_by.username == "grid_leader" and filed.status == Status.NEW
    assert elapsed < 60, f"filing took {elapsed:.0f} s"
    # The form fits the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_grid_leader_attaches_a_report_to_the_duplicate(phone_page, live_server, demo_data):
    grid = Region.objects.get(code=grids_demo.QINGCHUAN_GRID_CODE)
    existing = factories.petition(region=grid, code="street_light", title="3号楼路灯坏了")
    page = phone_page
    sign_in(page, live_server.url, "grid_leader", demo_data)
    page.goto(f"{live_server.url}/petitions/new/")
    page.locator("#id_category").select_option(str(factories.category("street_light").pk))
    page.locator("#id_title").fill("3号楼路灯坏了")
    page.locator("#id_description").fill("清川佳园3号楼前的路灯坏了")
    page.locator("#id_description").blur()
    page.get_by_test_id("duplicates").wait_for()
    page.locator("#id_reporter_name").fill("林小芳")
    page.locator("#id_reporter_phone").fill("13912340007")
    page.locator(f'button[name="attach_to"][value="{existing.pk}"]').click()
    page.wait_for_url(re.compile(r"/petitions/new/\d+/done/$"))
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    report = Petition.objects.get(tracking_code=code)
    assert report.status == Status.MERGED and report.merged_into_id == existing.pk


def test_resident_checks_the_status_and_evaluates(phone_page, live_server, demo_data):
    from accounts.demo import DEMO_RESIDENT_PHONE

    grid = Region.objects.get(code=grids_demo.QINGCHUAN_GRID_CODE)
    staff = get_user_model().objects.get(username="street_staff")
    unit = HandlingUnit.objects.get(code=grids_demo.ZHAOBAOSHAN_URBAN_UNIT_CODE)
    petition = factories.petition(region=grid, code="street_light", phone=DEMO_RESIDENT_PHONE, reporter_name="陈秀英")
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.ROUTINE, unit=unit)
    petition = services.petition_accept(user=staff, petition=petition)
    services.petition_note(user=staff, petition=petition, text="内部备注：勿外传", public=False)
    services.petition_reply(user=staff, petition=petition, reply="路灯已更换，恢复照明。")

    page = phone_page
    page.goto(f"{live_server.url}/petitions/status/")
    page.locator("#id_code").fill(petition.tracking_code.lower())
    page.locator("#id_phone_last4").fill(DEMO_RESIDENT_PHONE[-4:])
    page.get_by_test_id("status-submit").click()
    page.get_by_test_id("public-item").wait_for()
    with translation.override("zh-hans"):
        replied_label, closed_label = str(Status.REPLIED.label), str(Status.CLOSED.label)
    assert page.get_by_test_id("status-label").inner_text().strip() == replied_label
    body = page.locator("main").inner_text()
    assert "路灯已更换，恢复照明。" in body
    assert "内部备注" not in body and "陈秀英" not in body and "张伟" not in body
    page.screenshot(path=str(_artifacts() / "resident-status-phone.png"), full_page=True)

    page.locator('input[name="rating"][value="satisfied"]').check()
    page.locator("#id_comment").fill("修得很快，谢谢")
    page.get_by_test_id("evaluate-submit").click()
    page.get_by_test_id("already-evaluated").wait_for()
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    evaluation = petition.evaluations.get()
    assert (evaluation.source, evaluation.rating) == (Evaluation.Source.RESIDENT, Evaluation.Rating.SATISFIED)
    assert page.get_by_test_id("status-label").inner_text().strip() == closed_label


def test_visitor_files_online_with_the_cascading_place_select(phone_page, live_server, demo_data):
    street = Region.objects.get(code=grids_demo.ZHAOBAOSHAN_CODE)
    compound = Region.objects.get(code=grids_demo.QINGCHUAN_CODE)
    page = phone_page
    page.goto(f"{live_server.url}/petitions/report/")
    assert page.locator("#id_region option").count() == 1  # nothing to choose before the street
    page.locator("#id_street").select_option(str(street.pk))
    page.locator(f'#id_region option[value="{compound.pk}"]').wait_for(state="attached")
    page.locator("#id_region").select_option(str(compound.pk))
    page.locator("#id_category").select_option(str(factories.category("noise").pk))
    page.locator("#id_title").fill("夜间施工噪音")
    page.locator("#id_description").fill("小区旁工地每晚十一点后还在施工。")
    page.locator("#id_reporter_name").fill("林小芳")
    page.locator("#id_reporter_phone").fill("13912340007")
    page.screenshot(path=str(_artifacts() / "visitor-report-phone.png"), full_page=True)
    page.get_by_test_id("report-submit").click()
    page.wait_for_url(re.compile(r"/petitions/report/done/$"))
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    filed = Petition.objects.get(tracking_code=code)
    assert filed.channel == "web" and filed.region == compound and filed.phone_last4 == "0007"
    page.get_by_test_id("private-link").click()
    page.get_by_test_id("public-item").wait_for()
    assert code in page.locator("main").inner_text()
