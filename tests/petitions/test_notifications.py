"""Who hears what, end to end through the outbox: in-app notifications and e-mail (Django's locmem
backend) to staff, texts to the resident (the console backend's record of what it would send), each
in its reader's language, with logs that hold masked numbers and no link tokens."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.utils import timezone

from core import notify, outbox
from core.models import Notification
from grids.roles import Role
from petitions import services, sweeps
from petitions.models import Deadline, Evaluation, Klass
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree):
    def person(username, role, where, **extra):
        user = grid_factories.user(username=username, role=role, region=getattr(tree, where), **extra)
        user.email = f"{username}@example.gov.cn"
        user.save(update_fields=["email"])
        return user

    return {
        "community_a": person("c_a", Role.COMMUNITY_STAFF, "community_a"),
        "community_b": person("c_b", Role.COMMUNITY_STAFF, "community_b"),
        "street_a": person("s_a", Role.STREET_STAFF, "street_a"),
        "street_b": person("s_b", Role.STREET_STAFF, "street_b"),
        "district": person("d", Role.DISTRICT_STAFF, "district"),
        "handler_a": person("h_a", Role.HANDLER, "street_a", unit=tree.unit_a),
        "handler_b": person("h_b", Role.HANDLER, "street_b", unit=tree.unit_b),
        "grid_leader": person("g_a", Role.GRID_LEADER, "grid_a"),
    }


@pytest.fixture(autouse=True)
def delivered():
    """Start every test with nothing waiting and nothing sent."""
    outbox.deliver()
    mail.outbox.clear()
    notify.ConsoleSmsBackend.sent.clear()
    Notification.objects.all().delete()


def _deliver() -> dict[str, set[str]]:
    """Deliver what waits; who got an in-app notice (by username), each with its title."""
    outbox.deliver()
    got: dict[str, set[str]] = {}
    for notice in Notification.objects.select_related("user"):
        got.setdefault(notice.user.username, set()).add(notice.headline)  # in the active language
    Notification.objects.all().delete()
    return got


def _texts() -> list[tuple[str, str]]:
    sent = list(notify.ConsoleSmsBackend.sent)
    notify.ConsoleSmsBackend.sent.clear()
    return sent


def test_each_event_reaches_the_people_in_charge_and_no_one_else(tree, people, english):
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    code = petition.tracking_code
    filed = _deliver()
    assert set(filed) == {"c_a"}  # the community is in charge of a new item in its grid
    assert any(code in title and "New item to triage" in title for title in filed["c_a"])
    # The e-mail in the language the person reads (none chosen: the portal's, 简体中文).
    assert [m.to for m in mail.outbox] == [["c_a@example.gov.cn"]] and code in mail.outbox[0].subject
    assert mail.outbox[0].subject.startswith("新的待分拨事项")
    assert [phone for phone, _text in _texts()] == ["13912345678"]  # the resident: received

    petition = services.petition_triage(
        user=people["street_a"], petition=petition, klass=Klass.GENERAL, unit=tree.unit_a
    )
    assert set(_deliver()) == {"h_a"}  # routed: the unit's staff only

    petition = services.petition_return(user=people["handler_a"], petition=petition, reason="不归我们管")
    assert set(_deliver()) == {"c_a"}  # returned: the people in charge again

    petition = services.petition_triage(
        user=people["street_a"], petition=petition, klass=Klass.GENERAL, unit=tree.unit_a
    )
    _deliver()
    petition = services.petition_accept(user=people["handler_a"], petition=petition)
    petition = services.petition_request_info(user=people["handler_a"], petition=petition, question="几号楼？")
    assert set(_deliver()) == set()
    asked = _texts()
    assert [phone for phone, _text in asked] == ["13912345678"] and "需要您补充信息" in asked[0][1]  # filed in 中文
    petition = services.petition_resume(user=people["handler_a"], petition=petition, answer="3号楼")
    petition = services.petition_reply(user=people["handler_a"], petition=petition, reply="已修复")
    assert set(_deliver()) == set()
    [(phone, text)] = _texts()
    assert phone == "13912345678" and f"/petitions/evaluate/{code}/" in text  # the private link

    services.petition_evaluate(petition=petition, rating=Evaluation.Rating.UNSATISFIED, source="resident")
    assert set(_deliver()) == {"h_a"}  # rework: the unit that replied


def test_warnings_and_escalations_reach_the_unit_and_each_level_in_turn(tree, people, english):
    petition = factories.petition(region=tree.grid_a)
    petition = services.petition_triage(
        user=people["street_a"], petition=petition, klass=Klass.GENERAL, unit=tree.unit_a
    )
    _deliver()
    accept = Deadline.objects.get(petition=petition, kind=Deadline.Kind.ACCEPT)
    sweeps.sweep(now=accept.warn_at + dt.timedelta(minutes=1))
    warned = _deliver()
    assert set(warned) == {"h_a", "c_a"}  # the unit and the community in charge
    assert all("Deadline approaching" in t for titles in warned.values() for t in titles)
    sweeps.sweep(now=accept.due_at + dt.timedelta(minutes=1))
    assert set(_deliver()) == {"s_a"}  # escalated one level: the street
    later = Deadline.objects.filter(petition=petition, met_at__isnull=True).order_by("-due_at").first()
    sweeps.sweep(now=later.due_at + dt.timedelta(days=60))
    assert set(_deliver()) == {"d"}  # and then the district


def test_texts_are_logged_with_masked_numbers_and_no_link_token(tree, people, caplog, english):
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    petition = services.petition_triage(
        user=people["street_a"], petition=petition, klass=Klass.GENERAL, unit=tree.unit_a
    )
    petition = services.petition_accept(user=people["handler_a"], petition=petition)
    services.petition_reply(user=people["handler_a"], petition=petition, reply="已修复")
    with caplog.at_level(logging.INFO, logger="core.notify"):
        _deliver()
    logged = caplog.text
    token = services.evaluation_token(petition)
    assert "139****5678" in logged and "13912345678" not in logged
    assert token not in logged and petition.tracking_code in logged


def test_an_anonymous_item_texts_no_one_and_the_monthly_notice_reaches_each_region(tree, people, english):
    factories.petition(region=tree.grid_a, anonymous=True, reporter_name="", phone="")
    _deliver()
    assert _texts() == []
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    sweeps.monthly_sweep(month)
    got = _deliver()
    assert {"c_a", "c_b", "s_a", "s_b", "d"} <= set(got)
    assert all("Monthly zero backlog" in t for titles in got.values() for t in titles)


def test_each_reader_gets_their_own_language(tree, people):
    """Staff read their notifications and e-mails in the language they chose; a resident who filed in
    English gets English texts; the same notice shows in whichever language its page is read."""
    from django.utils import translation

    from accounts.services import user_set_language

    user_set_language(user=people["community_a"], language="en")
    petition, _token = services.petition_file(
        channel="web",
        category=factories.category("road"),
        region=tree.grid_a,
        title="Street light out",
        description="The light in front of block 3 is out.",
        reporter_name="Anna",
        reporter_phone="13912345678",
        language="en",
    )
    outbox.deliver()
    assert mail.outbox[0].subject.startswith("New item to triage: " + petition.tracking_code)
    [(_phone, text)] = _texts()
    assert text.startswith(f"Your petition {petition.tracking_code} was received")
    notice = Notification.objects.get(user=people["community_a"])
    with translation.override("zh-hans"):
        assert notice.headline.startswith("新的待分拨事项")
    with translation.override("en"):
        assert notice.headline.startswith("New item to triage")
