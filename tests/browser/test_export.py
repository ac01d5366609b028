"""The administrator exports this month's satisfaction report: it is large enough to be prepared in the
background on a real Celery worker, the progress bar (htmx polling) reaches 100%, and the downloaded
CSV reads back with every item of the month."""

from __future__ import annotations

import calendar
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from exports.models import ExportJob, Status
from grids.roles import Role
from tests.exports.helpers import item, read_csv
from tests.exports.worker import ExportWorker, export_queue, purge
from tests.grids import factories as grid_factories
from tests.petitions.test_sweeps import migration_data_restored  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data_restored"),
]

ITEMS = 12


@pytest.fixture
def worker(settings, tmp_path):
    queue = export_queue()
    purge(queue)
    settings.EXPORT_QUEUE = queue
    settings.EXPORT_DIR = str(tmp_path / "exports")
    settings.EXPORT_STREAM_MAX_ROWS = 5  # twelve rows go to the background
    # Three rows a chunk and a pause after each, so the bar is seen moving before it is full.
    process = ExportWorker(
        queue=queue, export_dir=tmp_path / "exports", EXPORT_CHUNK_ROWS="3", EXPORT_CHUNK_DELAY="0.5"
    )
    process.start()
    yield process
    process.stop()


def _sign_in_as_admin(browser, live_server, tree):
    admin = grid_factories.user(username="admin", role=Role.ADMIN, region=tree.district)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(grid_factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/otp/"))
    page.get_by_label("Six-digit code from your authenticator app").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/accounts/home/admin/$"))
    return admin, context, page


def test_admin_exports_the_months_satisfaction_report(browser, live_server, tree, worker):
    codes = {item(tree.grid_a if n % 2 else tree.grid_b, n).tracking_code for n in range(ITEMS)}
    admin, context, page = _sign_in_as_admin(browser, live_server, tree)
    today = timezone.localdate()
    first, last = today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])

    page.goto(f"{live_server.url}/exports/new/")
    page.get_by_role("link", name=re.compile("Satisfaction report")).click()
    params = page.locator("#export-params")
    params.get_by_label("Region").select_option(label="镇海区")
    params.get_by_label("From (date filed)").fill(first.isoformat())
    params.get_by_label("To (inclusive)").fill(last.isoformat())
    params.get_by_role("button", name="Show what will be exported").click()
    page.wait_for_url(re.compile(r"start=" + first.isoformat()))
    assert "More than 5 rows" in page.get_by_test_id("export-estimate").inner_text()
    assert "镇海区" in page.get_by_test_id("export-summary").inner_text()
    page.screenshot(path=str(_artifacts() / "export-new.png"), full_page=True)

    page.get_by_label("CSV (UTF-8, opens in Excel)").check()
    page.get_by_role("button", name="Export", exact=True).click()
    page.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    # The page opens while the worker is still at it; htmx polling then fills the bar.
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") != "100"
    page.locator('#export-progress[data-status="done"]').wait_for(timeout=60_000)
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    assert "100%" in page.get_by_role("progressbar").inner_text()
    assert f"{ITEMS} of {ITEMS} rows" in page.get_by_test_id("export-progress").inner_text()
    page.screenshot(path=str(_artifacts() / "export-done.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").click()
    download = download_info.value
    assert download.suggested_filename == f"satisfaction-{tree.district.code}-{first:%Y%m%d}-{last:%Y%m%d}.csv"
    rows = read_csv(Path(download.path()).read_bytes())
    assert rows[0][:2] == ["Tracking code", "Filed at"]
    assert {r[0] for r in rows[1:]} == codes
    assert {r[4] for r in rows[1:]} == {"网格A", "网格B"}

    job = ExportJob.objects.get(user=admin)
    assert (job.status, job.streamed, job.total_rows, job.masked) == (Status.DONE, False, ITEMS, True)
    context.close()


def _artifacts() -> Path:
    folder = Path(django_settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
