"""The public pages: the resident's web form, the status check (rate-limited), the private
evaluation link; nothing internal or personal is ever shown publicly."""

from __future__ import annotations

import itertools
import random
import re

import pytest
from django.test import Client
from django.urls import reverse

from petitions import services
from petitions.models import Channel, Evaluation, Klass, Petition, Status
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db

REPORT = reverse("petitions:public_report")
STATUS = reverse("petitions:public_status")
_addresses = itertools.count(1)


def _fresh_ip() -> str:
    """A client address no earlier run has used within the rate-limit window."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{next(_addresses) % 250 + 1}"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=_fresh_ip())


@pytest.fixture
def staff(tree):
    user = grid_factories.user(role="street_staff", region=tree.street_a)
    user.full_name = "张卫东"
    user.save(update_fields=["full_name"])
    return user


def replied(tree, staff, **extra) -> Petition:
    """An item handled up to the reply, waiting for the resident's evaluation."""
    petition = factories.petition(region=tree.grid_a, address="清川佳园3幢2单元501室", **extra)
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=tree.unit_a)
    petition = services.petition_accept(user=staff, petition=petition)
    petition = services.petition_progress(user=staff, petition=petition, text="已联系城管中队，明天维修。")
    services.petition_note(user=staff, petition=petition, text="INTERNAL: 居民情绪激动，注意沟通", public=False)
    return services.petition_reply(user=staff, petition=petition, reply="路灯已更换，恢复照明。")


def report_data(tree, **overrides) -> dict:
    data = {
        "street": tree.street_a.pk,
        "region": tree.compound_a.pk,
        "address": "3号楼",
        "category": factories.category("street_light").pk,
        "title": "路灯不亮",
        "description": "小区3号楼前路灯不亮。",
        "reporter_name": "林小芳",
        "reporter_phone": "13912340007",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def check(client, code: str, digits: str, **extra):
    return client.post(STATUS, {"code": code, "phone_last4": digits, **extra})


# --- The web form --------------------------------------------------------------------------------


def test_visitor_files_online_and_sees_code_and_private_link_once(client, tree):
    html = client.get(REPORT).content.decode()
    assert 'name="street"' in html and f'hx-get="{reverse("petitions:public_regions")}"' in html
    response = client.post(REPORT, report_data(tree))
    assert response.status_code == 302 and response.url == reverse("petitions:public_report_done")
    petition = Petition.objects.get()
    assert petition.channel == Channel.WEB and petition.reporter is None and petition.filed_by is None
    assert petition.region == tree.compound_a and petition.phone_last4 == "0007"
    done = client.get(response.url).content.decode()
    link = reverse("petitions:public_evaluate", args=[petition.tracking_code, services.evaluation_token(petition)])
    assert petition.tracking_code in done and link in done
    again = client.get(response.url)
    assert again.status_code == 302 and again.url == REPORT  # shown once


def test_visitor_must_give_name_and_phone_or_choose_anonymous(client, tree):
    html = client.post(REPORT, report_data(tree, reporter_name="", reporter_phone="")).content.decode()
    assert 'id="id_reporter_name_error"' in html and 'id="id_reporter_phone_error"' in html
    html = client.post(REPORT, report_data(tree, reporter_phone="02787654321")).content.decode()
    assert "valid mainland China mobile number" in html
    assert not Petition.objects.exists()


def test_anonymous_report_warns_that_only_the_private_link_follows_it(client, tree):
    response = client.post(REPORT, report_data(tree, reporter_name="", reporter_phone="", anonymous="on"))
    petition = Petition.objects.get()
    assert petition.anonymous and not petition.phone_last4
    done = client.get(response.url).content.decode()
    assert "the only way to follow this item" in done
    assert services.evaluation_token(petition) in done


def test_signed_in_resident_is_prefilled_and_becomes_the_reporter(client, tree):
    resident = grid_factories.user(role="resident", region=tree.compound_a, phone="13800000009")
    resident.full_name = "陈秀英"
    resident.save(update_fields=["full_name"])
    client.force_login(resident)
    html = client.get(REPORT).content.decode()
    assert 'value="陈秀英"' in html and 'value="13800000009"' in html
    assert re.search(rf'<option value="{tree.street_a.pk}" selected>', html)
    assert re.search(rf'<option value="{tree.compound_a.pk}" selected>', html)
    response = client.post(REPORT, report_data(tree, reporter_name="陈秀英", reporter_phone="13800000009"))
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert petition.reporter == resident and petition.phone_last4 == "0009"


def test_places_cascade_from_the_street(client, tree):
    html = client.get(reverse("petitions:public_regions"), {"street": tree.street_a.pk}).content.decode()
    for region in (tree.community_a, tree.compound_a, tree.grid_a):
        assert f'value="{region.pk}"' in html
    assert f'value="{tree.grid_b.pk}"' not in html and f'value="{tree.street_a.pk}"' not in html
    assert '<optgroup label="总浦桥社区">' in html
    empty = client.get(reverse("petitions:public_regions"), {"street": "x"}).content.decode()
    assert "<optgroup" not in empty


def test_place_must_belong_to_the_chosen_street(client, tree):
    html = client.post(REPORT, report_data(tree, region=tree.grid_b.pk)).content.decode()
    assert 'id="id_region_error"' in html
    html = client.post(REPORT, report_data(tree, street="")).content.decode()
    assert "Choose the street or town first" in html
    assert not Petition.objects.exists()


def test_without_javascript_the_street_choice_reloads_the_places_and_keeps_the_text(client, tree):
    html = client.post(REPORT, {"street": tree.street_b.pk, "title": "噪音", "pick_street": "1"}).content.decode()
    assert f'value="{tree.grid_b.pk}"' in html and f'value="{tree.grid_a.pk}"' not in html
    assert 'value="噪音"' in html and "id_title_error" not in html
    assert not Petition.objects.exists()


# --- The status check ----------------------------------------------------------------------------


def test_status_with_the_right_digits_shows_the_public_timeline_only(client, tree, staff):
    petition = replied(tree, staff, reporter_name="陈秀英", phone="13912345678")
    response = check(client, petition.tracking_code.lower(), "5678")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="status-label"' in html and "Replied, awaiting evaluation" in html
    assert "已联系城管中队，明天维修。" in html and "路灯已更换，恢复照明。" in html
    # No internal note, no staff name, no personal data.
    for secret in ("INTERNAL", "居民情绪激动", "张卫东", staff.username, "陈秀英", "13912345678", "501室"):
        assert secret not in html, secret
    assert 'data-testid="evaluation"' in html


@pytest.mark.parametrize("wrong", ["digits", "code"])
def test_wrong_code_or_digits_say_not_found_without_saying_which(client, tree, staff, wrong):
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    code, digits = petition.tracking_code, "5678"
    if wrong == "digits":
        digits = "0000"
    else:
        code = "ZH" + "".join(reversed(code[2:]))
    html = check(client, code, digits).content.decode()
    assert "No item matches this tracking code and these digits." in html
    assert 'data-testid="public-item"' not in html and petition.title not in html


def test_anonymous_items_cannot_be_checked_by_digits(client, tree):
    petition = factories.petition(region=tree.grid_a, anonymous=True)
    assert "No item matches" in check(client, petition.tracking_code, "5678").content.decode()


# --- Evaluation ----------------------------------------------------------------------------------


def test_resident_evaluates_on_the_status_page(client, tree, staff):
    petition = replied(tree, staff, phone="13912345678")
    html = check(
        client, petition.tracking_code, "5678", evaluate="1", rating="satisfied", comment="很快"
    ).content.decode()
    assert "Thank you for your evaluation" in html
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    evaluation = petition.evaluations.get()
    assert (evaluation.source, evaluation.rating, evaluation.comment) == ("resident", "satisfied", "很快")
    assert 'data-testid="evaluation"' not in html and 'data-testid="already-evaluated"' in html
    again = check(client, petition.tracking_code, "5678", evaluate="1", rating="unsatisfied", comment="又坏了")
    assert "This reply has already been evaluated" in again.content.decode()
    assert petition.evaluations.count() == 1


def test_unsatisfied_needs_a_comment_and_sends_the_item_back_for_rework(client, tree, staff):
    petition = replied(tree, staff, phone="13912345678")
    html = check(client, petition.tracking_code, "5678", evaluate="1", rating="unsatisfied").content.decode()
    assert 'id="id_comment_error"' in html
    petition.refresh_from_db()
    assert petition.status == Status.REPLIED
    check(client, petition.tracking_code, "5678", evaluate="1", rating="unsatisfied", comment="灯还是不亮")
    petition.refresh_from_db()
    assert petition.status == Status.ACCEPTED and petition.rework_count == 1
    # After the next reply the resident can evaluate again.
    services.petition_reply(user=staff, petition=petition, reply="换了整套灯具")
    html = check(client, petition.tracking_code, "5678").content.decode()
    assert 'data-testid="evaluation"' in html


def test_items_not_yet_replied_show_no_evaluation_form(client, tree):
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    html = check(client, petition.tracking_code, "5678").content.decode()
    assert 'data-testid="public-item"' in html and 'data-testid="evaluation"' not in html
    html = check(client, petition.tracking_code, "5678", evaluate="1", rating="satisfied").content.decode()
    assert "not waiting for an evaluation" in html
    assert not petition.evaluations.exists()


def test_private_link_shows_status_and_takes_the_evaluation(client, tree, staff):
    petition = replied(tree, staff, reporter_name="陈秀英", phone="13912345678")
    url = reverse("petitions:public_evaluate", args=[petition.tracking_code, services.evaluation_token(petition)])
    html = client.get(url).content.decode()
    assert 'data-testid="evaluation"' in html and "路灯已更换，恢复照明。" in html
    for secret in ("INTERNAL", "张卫东", "陈秀英", "13912345678"):
        assert secret not in html
    response = client.post(url, {"evaluate": "1", "rating": "basic", "comment": ""})
    assert response.status_code == 302 and response.url == url
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED and petition.evaluations.get().rating == Evaluation.Rating.BASIC
    html = client.get(url).content.decode()
    assert "Thank you for your evaluation" in html and 'data-testid="already-evaluated"' in html
    html = client.post(url, {"evaluate": "1", "rating": "satisfied"}).content.decode()
    assert "This reply has already been evaluated" in html


def test_private_link_with_a_wrong_token_is_404(client, tree):
    petition = factories.petition(region=tree.grid_a)
    other = factories.petition(region=tree.grid_a)
    forged = reverse("petitions:public_evaluate", args=[petition.tracking_code, services.evaluation_token(other)])
    assert client.get(forged).status_code == 404
    assert client.post(forged, {"evaluate": "1", "rating": "satisfied"}).status_code == 404


def test_on_the_spot_items_are_evaluated_by_the_resident(client, tree):
    petition = factories.petition(region=tree.grid_a, phone="13912345678", solved_on_spot=True, on_spot_note="当场修好")
    html = check(client, petition.tracking_code, "5678").content.decode()
    assert "Solved on the spot" in html and "当场修好" in html and 'data-testid="evaluation"' in html


def test_a_merged_report_shows_the_combined_item_without_naming_it(client, tree, staff):
    target = factories.petition(region=tree.grid_a, phone="13900001111", reporter_name="王五")
    report = factories.petition(region=tree.grid_a, phone="13912345678")
    services.petition_merge(user=staff, petition=report, into=target)
    services.petition_triage(user=staff, petition=target, klass=Klass.GENERAL, unit=tree.unit_a)
    html = check(client, report.tracking_code, "5678").content.decode()
    assert "Merged with another report of the same problem." in html
    assert "Routed, awaiting acceptance" in html
    assert target.tracking_code not in html and "王五" not in html and "1111" not in html


def test_a_merged_report_shows_the_combined_items_progress_but_not_its_residents_evaluation(client, tree, staff):
    target = replied(tree, staff, phone="13900001111")
    report = factories.petition(region=tree.grid_a, phone="13912345678")
    services.petition_merge(user=staff, petition=report, into=target)
    services.petition_evaluate(petition=target, rating="unsatisfied", comment="又坏了", source="resident")
    html = check(client, report.tracking_code, "5678").content.decode()
    timeline = html[html.index('data-testid="timeline"') : html.index("</ol>")]
    labels = re.findall(r'<div class="fw-semibold">([^<]+)</div>', timeline)
    assert labels == [
        "Filed",
        "Merged into another item",
        "Filed",
        "Routed, awaiting acceptance",
        "In progress",
        "Progress",
        "Replied, awaiting evaluation",
        "In progress",  # the combined item went back for rework, without its resident's evaluation
    ]
    assert "Merged with another report of the same problem." in timeline and "路灯已更换，恢复照明。" in timeline
    assert "Evaluation:" not in timeline and "INTERNAL" not in timeline
    assert "又坏了" not in html  # the other resident's comment, quoted by the rework step on the combined item
    target_html = check(client, target.tracking_code, "1111").content.decode()
    assert "Evaluation: Unsatisfied" in target_html and "又坏了" in target_html
