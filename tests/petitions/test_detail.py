"""The staff detail page and every action through its HTTP endpoint."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from core.models import PersonalDataReveal
from grids.roles import Role
from petitions import services
from petitions.models import Evaluation, Event, Klass, Petition, Status
from petitions.photos import check_photo, photos_attach
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def detail_url(petition) -> str:
    return reverse("petitions:detail", kwargs={"pk": petition.pk})


def act(client, petition, action, **data):
    return client.post(reverse("petitions:act", kwargs={"pk": petition.pk, "action": action}), data)


def page(response) -> str:
    return html.unescape(response.content.decode())


def action_names(response) -> set[str]:
    return set(re.findall(r'id="action-(\w+)"', response.content.decode()))


@pytest.fixture
def staff(tree):
    return grid_factories.user(username="zhang", role=Role.STREET_STAFF, region=tree.street_a)


@pytest.fixture
def handler(tree):
    return grid_factories.user(username="liu", role=Role.HANDLER, region=tree.street_a, unit=tree.unit_a)


@pytest.fixture
def co_unit(tree):
    return grid_factories.unit(regions=[tree.district], name="镇海区住房和城乡建设局", kind="housing")


def routed(tree, staff, klass=Klass.GENERAL):
    petition = factories.petition(region=tree.grid_a)
    return services.petition_triage(user=staff, petition=petition, klass=klass, unit=tree.unit_a)


def accepted(tree, staff, klass=Klass.GENERAL):
    return services.petition_accept(user=staff, petition=routed(tree, staff, klass))


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def reload(petition) -> Petition:
    return Petition.objects.get(pk=petition.pk)


# --- The page ------------------------------------------------------------------------------------


def test_detail_shows_the_item_masked_data_deadlines_and_actions_for_now(tree, staff):
    petition = factories.petition(
        region=tree.grid_a, phone="13912345678", reporter_name="陈秀英", address="清川佳园3幢201"
    )
    response = client_for(staff).get(detail_url(petition))
    text = page(response)
    assert response.status_code == 200
    for expected in (petition.tracking_code, petition.title, petition.description, "Awaiting triage", "网格A"):
        assert expected in text, expected
    assert "139****5678" in text and "陈*" in text and "清川佳园****" in text
    assert "13912345678" not in text and "陈秀英" not in text and "3幢201" not in text
    assert "Reveal personal data" in text
    assert 'data-testid="deadline" data-kind="triage"' in text
    assert action_names(response) == {"claim", "triage", "self_handle", "merge", "close_unfixed", "note"}


def test_the_unit_choices_cover_the_items_region_or_above(tree, staff, co_unit):
    petition = factories.petition(region=tree.grid_a)
    text = page(client_for(staff).get(detail_url(petition)))
    triage_form = text.split('id="action-triage"')[1].split("</details>")[0]
    assert "招宝山城管中队" in triage_form and co_unit.name in triage_form
    assert tree.unit_b.name not in triage_form  # covers community_b only
    response = act(client_for(staff), petition, "triage", klass=Klass.GENERAL, unit=tree.unit_b.pk)
    assert response.status_code == 400
    assert reload(petition).status == Status.NEW


def test_outside_scope_is_404_and_the_handler_sees_only_its_units_items(tree, staff, handler):
    other_street = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_b)
    petition = routed(tree, staff)
    assert client_for(other_street).get(detail_url(petition)).status_code == 404
    assert client_for(handler).get(detail_url(petition)).status_code == 200
    other_unit_item = services.petition_triage(
        user=staff,
        petition=factories.petition(region=tree.grid_a),
        klass=Klass.GENERAL,
        unit=grid_factories.unit(regions=[tree.street_a], name="招宝山供电所", kind="power"),
    )
    assert client_for(handler).get(detail_url(other_unit_item)).status_code == 404
    assert act(client_for(handler), other_unit_item, "accept").status_code == 404
    assert reload(other_unit_item).status == Status.ASSIGNED
    assert act(client_for(other_street), petition, "note", text="x").status_code == 404
    assert client_for(staff).get(reverse("petitions:detail", kwargs={"pk": 987654321})).status_code == 404


def test_viewers_without_rights_see_no_actions_and_get_403(tree, staff):
    petition = factories.petition(region=tree.grid_a)
    evaluator = grid_factories.user(role=Role.EVALUATOR, region=tree.district)
    grid_leader = grid_factories.user(role=Role.GRID_LEADER, region=tree.grid_a)
    response = client_for(evaluator).get(detail_url(petition))
    assert response.status_code == 200 and action_names(response) == set()
    assert "Reveal personal data" not in page(response)
    assert act(client_for(evaluator), petition, "triage", klass="general", unit=tree.unit_a.pk).status_code == 403
    assert act(client_for(grid_leader), petition, "note", text="看过了").status_code == 403
    assert act(client_for(staff), petition, "no_such_action").status_code == 404
    assert (
        client_for(staff).get(reverse("petitions:act", kwargs={"pk": petition.pk, "action": "note"})).status_code == 405
    )
    assert reload(petition).status == Status.NEW and not petition.timeline.filter(action="note").exists()


def test_the_handler_sees_the_handling_actions_only(tree, staff, handler):
    petition = routed(tree, staff)
    assert action_names(client_for(handler).get(detail_url(petition))) == {"accept", "return", "note"}
    assert act(client_for(handler), petition, "triage", klass="general", unit=tree.unit_a.pk).status_code == 403
    services.petition_accept(user=handler, petition=petition)
    names = action_names(client_for(handler).get(detail_url(petition)))
    assert names == {"progress", "request_info", "reply", "close_unfixed", "return", "note"}
    assert action_names(client_for(staff).get(detail_url(petition))) == names  # street staff may handle too


# --- Every action, happy path --------------------------------------------------------------------


def test_claim(tree, staff):
    petition = factories.petition(region=tree.grid_a)
    response = act(client_for(staff), petition, "claim")
    assert response.status_code == 302 and response["Location"] == detail_url(petition)
    assert reload(petition).claimed_by == staff
    assert "claim" not in action_names(client_for(staff).get(detail_url(petition)))


def test_triage_with_co_handlers(tree, staff, co_unit):
    petition = factories.petition(region=tree.grid_a)
    services.petition_claim(user=staff, petition=petition)
    client = client_for(staff)
    response = act(
        client,
        petition,
        "triage",
        klass=Klass.GENERAL,
        unit=tree.unit_a.pk,
        co_units=[co_unit.pk],
        note="请城管中队处理",
    )
    assert response.status_code == 302 and response["Location"] == detail_url(petition)
    petition = reload(petition)
    assert (petition.status, petition.klass, petition.unit, petition.claimed_by) == (
        Status.ASSIGNED,
        Klass.GENERAL,
        tree.unit_a,
        None,
    )
    assert list(petition.co_units.all()) == [co_unit]
    text = page(client.get(detail_url(petition)))
    assert "Classified and routed" in text and "Awaiting triage → Routed, awaiting acceptance" in text
    assert "Handling unit: 招宝山城管中队" in text and f"Co-handling units: {co_unit.name}" in text
    assert "请城管中队处理" in text and "The item was routed." in text


def test_self_handle(tree, staff):
    petition = factories.petition(region=tree.grid_a)
    assert act(client_for(staff), petition, "self_handle", klass=Klass.ROUTINE, note="社区自办").status_code == 302
    petition = reload(petition)
    assert (petition.status, petition.klass, petition.unit) == (Status.ACCEPTED, Klass.ROUTINE, None)


def test_merge_into_another_item_by_tracking_code(tree, staff):
    target = factories.petition(region=tree.grid_a)
    duplicate = factories.petition(region=tree.grid_a)
    foreign = factories.petition(region=tree.grid_b)
    response = act(client_for(staff), duplicate, "merge", into=foreign.tracking_code)
    assert response.status_code == 400
    assert "No item with this tracking code is in your scope." in page(response)
    assert act(client_for(staff), duplicate, "merge", into=target.tracking_code.lower()).status_code == 302
    duplicate = reload(duplicate)
    assert duplicate.status == Status.MERGED and duplicate.merged_into == target
    assert f'href="{detail_url(target)}">{target.tracking_code}' in page(client_for(staff).get(detail_url(duplicate)))


def test_accept_progress_request_info_resume_and_reply_by_the_handler(tree, staff, handler):
    petition = routed(tree, staff)
    client = client_for(handler)
    assert act(client, petition, "accept").status_code == 302
    assert reload(petition).status == Status.ACCEPTED
    assert act(client, petition, "progress", text="已派人查看", public="on").status_code == 302
    assert petition.timeline.filter(action="progress", text="已派人查看", public=True).exists()
    assert act(client, petition, "request_info", question="请补充具体楼号").status_code == 302
    assert reload(petition).status == Status.WAITING
    assert act(client, petition, "resume", answer="3号楼").status_code == 302
    assert reload(petition).status == Status.ACCEPTED
    assert act(client, petition, "reply", template="resolved", reply="路灯已修复，谢谢。").status_code == 302
    petition = reload(petition)
    assert petition.status == Status.REPLIED and petition.reply == "路灯已修复，谢谢。"
    text = page(client.get(detail_url(petition)))
    for label in ("Accepted", "Progress", "Information requested from the resident", "Handling resumed"):
        assert label in text, label
    assert "In progress → Replied, awaiting evaluation" in text


def test_joint_meeting_of_a_major_item_comes_before_the_reply(tree, staff):
    petition = accepted(tree, staff, Klass.MAJOR)
    client = client_for(staff)
    assert "meeting" in action_names(client.get(detail_url(petition)))
    response = act(client, petition, "reply", reply="已处理")
    assert response.status_code == 400
    assert "A major item needs its joint meeting recorded before the reply." in page(response)
    response = act(client, petition, "meeting", decision="由住建局牵头维修", participants="城管、住建、社区")
    assert response.status_code == 302
    assert petition.timeline.filter(kind=Event.Kind.MEETING, text="由住建局牵头维修").exists()
    assert "Participants: 城管、住建、社区" in page(client.get(detail_url(petition)))
    assert act(client, petition, "reply", reply="已处理").status_code == 302
    assert "meeting" not in action_names(client.get(detail_url(accepted(tree, staff))))  # general items


def test_return_by_the_handler_leaves_its_scope(tree, staff, handler):
    petition = routed(tree, staff)
    response = act(client_for(handler), petition, "return", reason="不属于城管职责")
    assert response.status_code == 302 and response["Location"] == reverse("petitions:queue")
    petition = reload(petition)
    assert petition.status == Status.NEW and petition.unit is None
    event = petition.timeline.get(action="return")
    assert event.text == "不属于城管职责" and not event.public
    text = page(client_for(staff).get(detail_url(petition)))
    assert "Returned to triage" in text and "Internal" in text


def test_callback_evaluation_satisfied_closes_and_unsatisfied_reworks(tree, staff):
    client = client_for(staff)
    first = services.petition_reply(user=staff, petition=accepted(tree, staff), reply="已修复")
    assert act(client, first, "evaluate", rating=Evaluation.Rating.SATISFIED, comment="电话回访").status_code == 302
    assert reload(first).status == Status.CLOSED
    evaluation = first.evaluations.get()
    assert (evaluation.source, evaluation.rating, evaluation.by) == ("callback", "satisfied", staff)
    assert "Rating: Satisfied" in page(client.get(detail_url(first)))
    second = services.petition_reply(user=staff, petition=accepted(tree, staff), reply="已修复")
    assert act(client, second, "evaluate", rating=Evaluation.Rating.UNSATISFIED, comment="仍然不亮").status_code == 302
    second = reload(second)
    assert second.status == Status.ACCEPTED and second.rework_count == 1


def test_the_evaluator_records_a_third_party_evaluation_on_a_closed_item(tree, staff):
    evaluator = grid_factories.user(role=Role.EVALUATOR, region=tree.district)
    petition = services.petition_reply(user=staff, petition=accepted(tree, staff), reply="已修复")
    services.petition_close(user=staff, petition=petition)
    client = client_for(evaluator)
    assert action_names(client.get(detail_url(petition))) == {"third_party"}
    assert act(client, petition, "third_party", rating=Evaluation.Rating.BASIC, comment="抽样").status_code == 302
    evaluation = petition.evaluations.get()
    assert (evaluation.source, evaluation.rating, evaluation.by) == ("third_party", "basic", evaluator)
    assert reload(petition).status == Status.CLOSED
    assert act(client, petition, "evaluate", rating=Evaluation.Rating.BASIC).status_code == 403


def test_close_without_evaluation_and_reopen(tree, staff):
    client = client_for(staff)
    petition = services.petition_reply(user=staff, petition=accepted(tree, staff), reply="已修复")
    assert action_names(client.get(detail_url(petition))) == {"evaluate", "close", "note"}
    assert act(client, petition, "close", note="三次联系未接").status_code == 302
    petition = reload(petition)
    assert petition.status == Status.CLOSED and not petition.evaluations.exists()
    assert action_names(client.get(detail_url(petition))) == {"reopen", "note"}
    assert act(client, petition, "reopen", reason="居民来电说又坏了").status_code == 302
    assert reload(petition).status == Status.ACCEPTED


def test_public_and_internal_notes_are_marked_on_the_timeline(tree, staff):
    petition = factories.petition(region=tree.grid_a)
    client = client_for(staff)
    assert act(client, petition, "note", text="已电话联系居民", public="on").status_code == 302
    assert act(client, petition, "note", text="内部：物业推诿").status_code == 302
    assert list(petition.timeline.filter(action="note").values_list("text", "public")) == [
        ("已电话联系居民", True),
        ("内部：物业推诿", False),
    ]
    text = page(client.get(detail_url(petition)))
    public_entry = text.split("已电话联系居民")[0].rsplit('data-testid="timeline-entry"', 1)[1]
    internal_entry = text.split("内部：物业推诿")[0].rsplit('data-testid="timeline-entry"', 1)[1]
    assert "Public" in public_entry and "Internal" in internal_entry


def test_the_timeline_shows_every_event_actor_and_deadline_change(tree, staff):
    petition = accepted(tree, staff)
    Event.objects.create(petition=petition, kind=Event.Kind.ESCALATION, action="escalate", text="升级到街道")
    text = page(client_for(staff).get(detail_url(petition)))
    entries = text.count('data-testid="timeline-entry"')
    # filed, triaged, accepted, the escalation; time limits set: triage, acceptance, resolution,
    # progress update; the triage and acceptance time limits ended.
    assert entries == 10
    assert "Time limit set" in text
    assert "Filed" in text and "Escalation" in text and "升级到街道" in text and "System" in text
    assert "Time limit ended: Triage" in text and "Time limit ended: Acceptance" in text
    assert str(staff) in text


# --- Refusals keep the input ---------------------------------------------------------------------


def test_a_forbidden_transition_is_a_400_with_the_message_and_the_text_kept(tree, staff):
    petition = factories.petition(region=tree.grid_a)
    response = act(client_for(staff), petition, "reply", reply="我已经写好的答复")
    assert response.status_code == 400
    text = page(response)
    assert "This item is “Awaiting triage”; that action is not possible now." in text
    assert ">\n我已经写好的答复</textarea>" in text
    assert 'id="action-reply"' in text and "border-danger" in text
    assert reload(petition).status == Status.NEW


def test_triage_twice_keeps_the_note_and_names_the_status(tree, staff):
    petition = routed(tree, staff)
    response = act(client_for(staff), petition, "triage", klass=Klass.MAJOR, unit=tree.unit_a.pk, note="改为重大")
    assert response.status_code == 400
    text = page(response)
    assert "This item is “Routed, awaiting acceptance”; that action is not possible now." in text
    assert ">\n改为重大</textarea>" in text
    assert '<option value="major" selected>' in text


def test_an_incomplete_form_is_a_400_next_to_the_field(tree, staff, handler):
    petition = routed(tree, staff)
    response = act(client_for(handler), petition, "return", reason="  ")
    assert response.status_code == 400
    assert 'id="id_return_reason_error"' in response.content.decode()
    assert reload(petition).status == Status.ASSIGNED


def test_claim_after_routing_is_refused_with_the_reason(tree, staff):
    petition = routed(tree, staff)
    response = act(client_for(staff), petition, "claim")
    assert response.status_code == 409  # the item moved on: the page as it is now, with the reason
    assert "Only items awaiting triage can be claimed." in page(response)
    assert "claim" not in action_names(response)


# --- Photos --------------------------------------------------------------------------------------


def test_photos_show_as_thumbnails_served_only_in_scope(tree, staff):
    petition = factories.petition(region=tree.grid_a)
    (photo,) = photos_attach(petition=petition, photos=[check_photo(png_upload())])
    url = reverse("petitions:photo", kwargs={"pk": petition.pk, "photo_pk": photo.pk})
    text = page(client_for(staff).get(detail_url(petition)))
    assert f'<img src="{url}?size=thumb"' in text
    original = client_for(staff).get(url)
    assert original.status_code == 200 and original["Content-Type"] == "image/png"
    assert b"".join(original.streaming_content).startswith(b"\x89PNG")
    thumb = client_for(staff).get(url, {"size": "thumb"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert b"".join(thumb.streaming_content).startswith(b"\xff\xd8")
    assert photo.thumbnail.name.startswith("petitions/thumbs/")  # made once, when the photo was stored
    other_street = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_b)
    assert client_for(other_street).get(url).status_code == 404
    other_item = factories.petition(region=tree.grid_a)
    wrong_pair = reverse("petitions:photo", kwargs={"pk": other_item.pk, "photo_pk": photo.pk})
    assert client_for(staff).get(wrong_pair).status_code == 404
    photo.image.delete(save=False)
    photo.public_image.delete(save=False)
    photo.thumbnail.delete(save=False)


# --- Personal data -------------------------------------------------------------------------------


def test_reveal_logs_and_returns_the_unmasked_fields(tree, staff):
    petition = factories.petition(
        region=tree.grid_a, phone="13912345678", reporter_name="陈秀英", address="清川佳园3幢201"
    )
    url = reverse("petitions:reveal", kwargs={"pk": petition.pk})
    response = client_for(staff).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = page(response)
    assert "<html" not in text and 'id="personal-data"' in text
    assert "陈秀英" in text and "13912345678" in text and "清川佳园3幢201" in text
    log = PersonalDataReveal.objects.get()
    assert (log.user, log.object_type, log.object_id) == (staff, "petitions.petition", petition.pk)
    assert log.fields == "reporter_name,reporter_phone,address"
    # Without htmx the whole page comes back, revealed.
    full = page(client_for(staff).post(url))
    assert "<html" in full and "13912345678" in full
    assert PersonalDataReveal.objects.count() == 2


def test_reveal_is_refused_to_the_evaluator_and_outside_scope(tree, staff):
    petition = factories.petition(region=tree.grid_a)
    url = reverse("petitions:reveal", kwargs={"pk": petition.pk})
    evaluator = grid_factories.user(role=Role.EVALUATOR, region=tree.district)
    assert client_for(evaluator).post(url).status_code == 403
    other_street = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_b)
    assert client_for(other_street).post(url).status_code == 404
    assert client_for(staff).get(url).status_code == 405
    assert not PersonalDataReveal.objects.exists()


def test_the_grid_leader_may_reveal_but_not_act(tree):
    petition = factories.petition(region=tree.grid_a)
    grid_leader = grid_factories.user(role=Role.GRID_LEADER, region=tree.grid_a)
    response = client_for(grid_leader).get(detail_url(petition))
    assert "Reveal personal data" in page(response) and action_names(response) == set()
    assert client_for(grid_leader).post(reverse("petitions:reveal", kwargs={"pk": petition.pk})).status_code == 200
    assert PersonalDataReveal.objects.filter(user=grid_leader).count() == 1


def test_the_loser_of_a_claim_race_sees_who_won_and_no_stale_forms(tree, staff):
    colleague = grid_factories.user(username="wang", role=Role.STREET_STAFF, region=tree.street_a)
    petition = factories.petition(region=tree.grid_a)
    loser = client_for(colleague)
    assert {"claim", "triage"} <= action_names(loser.get(detail_url(petition)))  # the page both had open
    assert act(client_for(staff), petition, "claim").status_code == 302  # the winner

    response = act(loser, petition, "claim")
    assert response.status_code == 409
    body = page(response)
    assert "Someone else is working on this item." in body
    assert not {"claim", "triage", "self_handle", "merge", "close_unfixed"} & action_names(response)
    assert "zhang" in body  # who works on it now
    assert act(client_for(staff), petition, "triage", klass="general", unit=tree.unit_a.pk).status_code == 302


def test_the_triage_note_says_before_saving_that_the_resident_reads_it(tree, staff):
    body = page(client_for(staff).get(detail_url(factories.petition(region=tree.grid_a))))
    assert "Note to the resident" in body and "Published on the resident's status page with this step." in body
