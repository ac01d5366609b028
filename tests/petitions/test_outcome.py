"""Honest closing: an item is fixed, or closed without a fix with its reason — on the page, in the
API, on the resident's status page, in the queue's filter and apart in every "resolved" figure."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from grids.roles import Role
from petitions import services
from petitions.models import UNFIXED_OUTCOMES, Event, Klass, Outcome, Petition, Status
from reports import selectors as report_selectors
from reports import services as report_services
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):
    return grid_factories.user(username="zhang", role=Role.STREET_STAFF, region=tree.street_a)


@pytest.fixture
def handler(tree):
    return grid_factories.user(username="liu", role=Role.HANDLER, region=tree.street_a, unit=tree.unit_a)


def _client(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _accepted(tree, staff, phone="13912345678") -> Petition:
    petition = factories.petition(region=tree.grid_a, phone=phone)
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=tree.unit_a)
    return services.petition_accept(user=staff, petition=petition)


@pytest.mark.parametrize("outcome", [o.value for o in UNFIXED_OUTCOMES])
def test_every_reason_closes_without_a_fix_from_any_open_status(tree, staff, outcome):
    for status, make in {
        Status.NEW: lambda: factories.petition(region=tree.grid_a),
        Status.ACCEPTED: lambda: _accepted(tree, staff),
    }.items():
        petition = make()
        assert petition.status == status
        row = services.petition_close_unfixed(user=staff, petition=petition, outcome=outcome, reply="  原因说明  ")
        row = Petition.objects.get(pk=row.pk)
        assert (row.status, row.outcome, row.reply, row.first_time) == (Status.REPLIED, outcome, "原因说明", False)
        assert row.replied_at is not None and not row.deadlines.filter(met_at__isnull=True).exists()
        event = row.timeline.latest("id")
        assert (event.action, event.public, event.text, event.data) == (
            "close_unfixed",
            True,
            "原因说明",
            {"outcome": outcome},
        )


def test_a_fix_is_first_time_and_a_refused_close_changes_nothing(tree, staff, handler):
    fixed = services.petition_reply(user=staff, petition=_accepted(tree, staff), reply="已修好")
    assert (Petition.objects.get(pk=fixed.pk).outcome, Petition.objects.get(pk=fixed.pk).first_time) == ("fixed", True)

    petition = _accepted(tree, staff, phone="13912345679")
    before = list(petition.timeline.values_list("id", flat=True))
    for outcome, reply, field in (("fixed", "说明", "outcome"), ("", "说明", "outcome"), ("withdrawn", "  ", "reply")):
        with pytest.raises(DomainError) as error:
            services.petition_close_unfixed(user=staff, petition=petition, outcome=outcome, reply=reply)
        assert error.value.field == field
    # Before acceptance it is the triage staff's decision; the unit returns a wrongly routed item.
    routed = services.petition_triage(
        user=staff, petition=factories.petition(region=tree.grid_a), klass=Klass.GENERAL, unit=tree.unit_a
    )
    with pytest.raises(DomainError):
        services.petition_close_unfixed(user=handler, petition=routed, outcome="outside_remit", reply="不归我们")
    assert Petition.objects.get(pk=petition.pk).status == Status.ACCEPTED
    assert list(petition.timeline.values_list("id", flat=True)) == before
    assert Petition.objects.get(pk=routed.pk).status == Status.ASSIGNED


def test_rework_after_an_unfixed_close_opens_it_again_without_an_outcome(tree, staff):
    row = services.petition_close_unfixed(
        user=staff, petition=_accepted(tree, staff), outcome="not_possible", reply="政策不允许"
    )
    services.petition_evaluate(petition=row, rating="unsatisfied", comment="不接受", source="resident")
    row = Petition.objects.get(pk=row.pk)
    assert (row.status, row.outcome, row.rework_count) == (Status.ACCEPTED, "", 1)


def test_the_page_form_keeps_what_was_typed_and_the_resident_reads_the_outcome_in_english(tree, staff):
    petition = _accepted(tree, staff)
    client = _client(staff)
    url = reverse("petitions:act", kwargs={"pk": petition.pk, "action": "close_unfixed"})
    response = client.post(url, {"outcome": "fixed", "reply": "这是小区物业与业主之间的合同纠纷。"})
    body = html.unescape(response.content.decode())
    assert response.status_code == 400 and "这是小区物业与业主之间的合同纠纷。" in body
    assert Petition.objects.get(pk=petition.pk).status == Status.ACCEPTED

    response = client.post(url, {"outcome": "outside_remit", "reply": "这是小区物业与业主之间的合同纠纷。"})
    assert response.status_code == 302

    resident = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.77.1.2")
    response = resident.post(
        reverse("petitions:public_status"), {"code": petition.tracking_code, "phone_last4": "5678"}
    )
    body = html.unescape(response.content.decode())
    assert "Closed without a fix" in body and "Outcome: Outside our remit" in body
    assert "这是小区物业与业主之间的合同纠纷。" in body

    # The API says it too, in the request's language.
    api = _client(staff, "zh-hans")
    detail = api.get(reverse("petitions_api:petition_detail", kwargs={"pk": petition.pk})).json()
    assert detail["outcome"] == "outside_remit"
    entry = detail["timeline"][-1]
    assert entry["action"] == "close_unfixed" and entry["label"] != "Closed without a fix"
    assert entry["details"] == ["办理结果：不属于我们的职责范围"]


def test_the_queue_filters_by_outcome_and_the_figures_count_unfixed_items_apart(tree, staff):
    fixed = services.petition_reply(user=staff, petition=_accepted(tree, staff), reply="已修好")
    outside = services.petition_close_unfixed(
        user=staff, petition=factories.petition(region=tree.grid_a), outcome="outside_remit", reply="不属于职责"
    )
    withdrawn = services.petition_close_unfixed(
        user=staff, petition=_accepted(tree, staff, "13912345670"), outcome="withdrawn", reply="居民撤回"
    )
    services.petition_evaluate(petition=withdrawn, rating="satisfied", source="resident")
    open_item = factories.petition(region=tree.grid_a, phone="13912345671")

    client = _client(staff)

    def listed(**params):
        response = client.get(reverse("petitions:queue"), params)
        assert response.status_code == 200 and not response.context["filter_errors"]
        return {row["petition"].pk for row in response.context["rows"]}

    assert listed(outcome="unfixed") == {outside.pk, withdrawn.pk}
    assert listed(outcome="fixed") == {fixed.pk}
    assert listed(outcome="withdrawn") == {withdrawn.pk}
    assert listed() == {open_item.pk}  # open items by default
    assert listed(open="any") == {fixed.pk, outside.pk, withdrawn.pk, open_item.pk}
    assert client.get(reverse("petitions:queue"), {"outcome": "lost"}).context["filter_errors"]

    month = timezone.localdate().replace(day=1)
    report_services.rollup_refresh(all_months=True)
    viewer = grid_factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    for read in (report_selectors.kpis, report_selectors.kpis_fresh):
        total = read(user=viewer, region=tree.district, start=month, end=month).total
        assert (total.collected, total.replied, total.unfixed, total.first_time) == (4, 3, 2, 1), read
    assert Event.objects.filter(petition=outside, action="close_unfixed").exists()
    assert Outcome(outside.outcome).label == "Outside our remit"
