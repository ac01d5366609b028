"""Street staff triage and route an item from the queue; the handling unit accepts and replies."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from grids import demo as grids_demo
from grids.models import Region
from petitions.models import Channel, Petition, Status
from tests.petitions import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data():
    call_command("seed_demo", "--scale", "demo", verbosity=0)
    from accounts.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


@pytest.fixture
def items(demo_data):
    grid = Region.objects.get(code=grids_demo.QINGCHUAN_GRID_CODE)  # 清川佳园第一网格, 招宝山街道
    return {
        "light": factories.petition(
            region=grid, code="street_light", title="3号楼路灯不亮", phone="13912340011", channel=Channel.PHONE
        ),
        "road": factories.petition(region=grid, code="road", title="人行道砖松动", phone="13912340012"),
        "water": factories.petition(region=grid, code="water", title="地下室积水", phone="13912340013"),
    }


def _sign_in(browser, live_server, username: str, password: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/accounts/home/{username}/$"))
    return context, page


def test_street_staff_triage_then_the_unit_accepts_and_replies(browser, live_server, demo_data, items):
    light = items["light"]

    # Street staff: the queue, a filter, the item, personal data on request, triage.
    context, page = _sign_in(browser, live_server, "street_staff", demo_data)
    page.goto(f"{live_server.url}/petitions/")
    rows = page.get_by_test_id("queue-row")
    for item in items.values():
        assert rows.filter(has_text=item.tracking_code).count() == 1
    filters = page.locator("#queue-filters")
    filters.get_by_label("Category").select_option(label="Street lighting")
    filters.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"category=street_light"))
    assert rows.filter(has_text=light.tracking_code).count() == 1
    assert rows.filter(has_text=items["road"].tracking_code).count() == 0
    assert "139****0011" in rows.filter(has_text=light.tracking_code).inner_text()
    page.screenshot(path=str(_artifacts() / "triage-queue.png"), full_page=True)

    page.get_by_role("link", name=light.tracking_code).click()
    page.wait_for_url(re.compile(rf"/petitions/{light.pk}/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("3号楼路灯不亮")
    assert page.get_by_test_id("personal-phone").inner_text() == "139****0011"
    page.get_by_role("button", name="Reveal personal data").click()  # htmx swaps the section in
    page.get_by_test_id("personal-phone").filter(has_text="13912340011").wait_for()

    triage = page.locator("#action-triage")
    triage.get_by_label("Class").select_option(label="General (handle within the period)")
    triage.get_by_label(re.compile(r"^Handling unit")).select_option(label="招宝山城管中队")
    triage.get_by_role("button", name="Classify and route").click()
    page.get_by_text("The item was routed.").wait_for()
    assert page.get_by_test_id("petition-status").get_by_test_id("status-badge").inner_text() == (
        "Routed, awaiting acceptance"
    )
    timeline = page.locator("#timeline")
    assert "Awaiting triage → Routed, awaiting acceptance" in timeline.inner_text()
    assert page.get_by_test_id("petition-unit").inner_text() == "招宝山城管中队"
    page.screenshot(path=str(_artifacts() / "triage-detail.png"), full_page=True)
    context.close()

    # The handling unit: its queue holds the item; accept, then reply from a template.
    context, page = _sign_in(browser, live_server, "handler", demo_data)
    page.goto(f"{live_server.url}/petitions/")
    page.get_by_role("link", name=light.tracking_code).click()
    page.wait_for_url(re.compile(rf"/petitions/{light.pk}/$"))
    page.locator("#action-accept").get_by_role("button", name="Accept").click()
    page.get_by_text("The item was accepted.").wait_for()
    assert "Routed, awaiting acceptance → In progress" in page.locator("#timeline").inner_text()

    reply = page.locator("#action-reply")
    assert reply.get_attribute("open") is not None  # the main next step starts unfolded
    reply.get_by_label("Reply template").select_option(label="Resolved")
    box = reply.get_by_label("Reply to the resident")
    assert box.input_value().startswith("Hello, the problem you reported has been dealt with.")
    box.fill(box.input_value() + " 已更换3号楼路灯灯泡。")
    reply.get_by_role("button", name="Reply to the resident").click()
    page.get_by_text("The reply was sent; the item waits for the evaluation.").wait_for()
    assert "In progress → Replied, awaiting evaluation" in page.locator("#timeline").inner_text()
    assert "已更换3号楼路灯灯泡。" in page.get_by_test_id("petition-reply").inner_text()
    context.close()

    light.refresh_from_db()
    assert light.status == Status.REPLIED and light.unit.name == "招宝山城管中队"
    assert Petition.objects.get(pk=items["road"].pk).status == Status.NEW


def _artifacts():
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
