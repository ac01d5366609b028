"""Residents' meetings: recording, resolutions, a resolution filed as a petition in one step (channel
meeting), the joint meeting about a major petition, links both ways, pages and scope."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from gridwork import selectors, services
from gridwork.models import Meeting, MeetingKind, Resolution
from petitions import services as petition_services
from petitions.models import Channel, Event, Klass
from tests.grids import factories as grid_factories
from tests.gridwork import factories
from tests.petitions import factories as petition_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):
    return grid_factories.user(username="li", role="community_staff", region=tree.community_a)


def test_staff_record_a_meeting_with_its_resolutions(tree, staff):
    meeting = factories.meeting(user=staff, region=tree.compound_a, resolutions=["加装路灯", "", "  清理楼道  "])
    assert (meeting.region_path, meeting.participants, meeting.kind.code) == (
        tree.compound_a.path,
        23,
        "public_opinion",
    )
    assert [r.text for r in meeting.resolutions.order_by("id")] == ["加装路灯", "清理楼道"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": timezone.localdate() + dt.timedelta(days=1)}, "date"),
        ({"place": "  "}, "place"),
        ({"topics": ""}, "topics"),
        ({"participants": -1}, "participants"),
    ],
)
def test_bad_meetings_are_refused_with_the_field_named(tree, staff, change, field):
    with pytest.raises(DomainError) as refused:
        factories.meeting(user=staff, region=tree.community_a, **change)
    assert refused.value.field == field
    assert not Meeting.objects.exists()


def test_a_region_outside_scope_is_refused(tree, staff):
    with pytest.raises(DomainError) as refused:
        factories.meeting(user=staff, region=tree.community_a2)
    assert refused.value.field == "region"


def test_a_resolution_with_no_text_is_refused(tree, staff):
    meeting = factories.meeting(user=staff, region=tree.community_a, resolutions=[])
    with pytest.raises(DomainError) as refused:
        services.resolution_add(user=staff, meeting=meeting, text="   ")
    assert refused.value.field == "text"
    assert services.resolution_add(user=staff, meeting=meeting, text="每月一次议事").text == "每月一次议事"


def test_a_resolution_becomes_a_petition_and_links_back(tree, staff):
    meeting = factories.meeting(user=staff, region=tree.compound_a, resolutions=["北门加装路灯"])
    resolution = meeting.resolutions.get()
    petition = services.resolution_file(
        user=staff, resolution=resolution, category=petition_factories.category("street_light")
    )
    assert (petition.channel, petition.region_id, petition.title, petition.address) == (
        Channel.MEETING,
        tree.compound_a.pk,
        "北门加装路灯",
        "社区议事厅",
    )
    resolution.refresh_from_db()
    assert resolution.petition_id == petition.pk
    entry = Event.objects.get(petition=petition, kind=Event.Kind.LINKED)
    assert entry.action == services.MEETING_EVENT and entry.data["meeting"] == meeting.pk
    assert selectors.meetings_of_petition(user=staff, petition=petition) == [meeting]
    with pytest.raises(DomainError):
        services.resolution_file(user=staff, resolution=resolution, category=petition_factories.category())
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    assert selectors.meetings_of_petition(user=leader, petition=petition) == []  # the meeting is above the grid


def test_a_joint_meeting_about_a_major_petition_goes_on_its_timeline(tree, client):
    joint = factories.meeting_kind("joint")
    street = grid_factories.user(role="street_staff", region=tree.street_a)
    petition = petition_services.petition_triage(
        user=street, petition=petition_factories.petition(region=tree.grid_a), klass=Klass.MAJOR, unit=tree.unit_a
    )
    client.force_login(street)
    page = html.unescape(client.get(reverse("petitions:detail", kwargs={"pk": petition.pk})).content.decode())
    new_url = f"{reverse('gridwork:meeting_new')}?petition={petition.pk}"
    assert new_url in page
    form = client.get(new_url)
    assert [k.code for k in form.context["form"].fields["kind"].queryset] == ["joint"]
    response = client.post(
        new_url,
        {
            "kind": joint.pk,
            "date": timezone.localdate().isoformat(),
            "place": "街道会议室",
            "region": tree.street_a.pk,
            "participants": 9,
            "officials": "街道副主任",
            "topics": petition.title,
            "resolutions": "住建牵头，两周内完成",
            "petition": petition.pk,
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and meeting.for_petition_id == petition.pk
    assert Event.objects.filter(petition=petition, action=services.MEETING_EVENT).exists()
    page = html.unescape(client.get(reverse("petitions:detail", kwargs={"pk": petition.pk})).content.decode())
    assert reverse("gridwork:meeting_detail", kwargs={"pk": meeting.pk}) in page
    assert "联席会议" in page


def test_local_formats_are_offered_where_they_belong(tree, staff):
    MeetingKind.objects.create(code="changtan", name_zh="畅谈吧", name_en="Chat bar", region=tree.community_a)
    MeetingKind.objects.create(code="elsewhere", name_zh="别处", name_en="Elsewhere", region=tree.community_a2)
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    factories.meeting_kind()
    for user in (staff, leader):
        codes = set(selectors.meeting_kinds_for(user=user).values_list("code", flat=True))
        assert "changtan" in codes and "elsewhere" not in codes and "joint" in codes


def test_pages_keep_what_was_typed_and_answer_400(client, tree, staff):
    client.force_login(staff)
    url = reverse("gridwork:meeting_new")
    typed = {
        "kind": factories.meeting_kind().pk,
        "date": timezone.localdate().isoformat(),
        "place": "",
        "region": tree.community_a.pk,
        "participants": "12",
        "topics": "停车难",
        "resolutions": "划定临时车位",
    }
    refused = client.post(url, typed)
    assert refused.status_code == 400 and "划定临时车位" in refused.content.decode()
    typed["place"] = "议事厅"
    assert client.post(url, typed).status_code == 302
    meeting = Meeting.objects.get()
    add = reverse("gridwork:resolution_add", kwargs={"pk": meeting.pk})
    assert client.post(add, {"text": ""}).status_code == 400
    resolution = meeting.resolutions.get()
    file_url = reverse("gridwork:resolution_file", kwargs={"pk": meeting.pk, "resolution_pk": resolution.pk})
    assert client.post(file_url, {}).status_code == 400
    category = petition_factories.category("parking")
    assert client.post(file_url, {f"r{resolution.pk}-category": category.pk}).status_code == 302
    assert Resolution.objects.get().petition.channel == Channel.MEETING


def test_a_meeting_outside_scope_is_not_found(client, tree, staff):
    other = grid_factories.user(role="community_staff", region=tree.community_a2)
    meeting = factories.meeting(user=other, region=tree.community_a2)
    client.force_login(staff)
    assert client.get(reverse("gridwork:meeting_detail", kwargs={"pk": meeting.pk})).status_code == 404
    resolution = meeting.resolutions.get()
    url = reverse("gridwork:resolution_file", kwargs={"pk": meeting.pk, "resolution_pk": resolution.pk})
    assert client.post(url, {}).status_code == 404
    assert client.get(f"{reverse('gridwork:meeting_new')}?petition=999999999").status_code == 404


def test_the_meeting_list_costs_fixed_queries(client, tree, staff, django_assert_num_queries):
    client.force_login(staff)
    url = reverse("gridwork:meeting_list")
    factories.meeting(user=staff, region=tree.community_a)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200
    for days_ago in range(2, 30):
        factories.meeting(user=staff, region=tree.compound_a, days_ago=days_ago)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert response.context["page"].has_more and len(response.context["page"].items) == 25


LIST_QUERIES = 9


def test_the_joint_meeting_of_a_major_item_in_progress_is_its_joint_meeting_step(tree):
    from petitions.models import Deadline

    street = grid_factories.user(role="street_staff", region=tree.street_a)
    petition = petition_services.petition_triage(
        user=street, petition=petition_factories.petition(region=tree.grid_a), klass=Klass.MAJOR, unit=tree.unit_a
    )
    petition = petition_services.petition_accept(user=street, petition=petition)
    assert Deadline.objects.filter(petition=petition, kind=Deadline.Kind.MEETING, met_at__isnull=True).exists()
    factories.meeting(
        user=street,
        region=tree.street_a,
        code="joint",
        resolutions=["住建牵头", "两周内完成"],
        for_petition=petition,
        days_ago=0,
    )
    assert not Deadline.objects.filter(petition=petition, kind=Deadline.Kind.MEETING, met_at__isnull=True).exists()
    decision = Event.objects.get(petition=petition, kind=Event.Kind.MEETING)
    assert decision.text == "住建牵头；两周内完成"
    assert Event.objects.filter(petition=petition, action=services.MEETING_EVENT).exists()
