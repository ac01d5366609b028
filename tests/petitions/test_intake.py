"""Staff intake: grid leaders and service-window staff file items; duplicates are shown before
saving and a report can be attached to an existing item."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from grids import services as grid_services
from grids.models import Region
from petitions import duplicates, services
from petitions.forms_intake import default_region, intake_regions
from petitions.models import Channel, Event, Klass, Petition, Status
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(client):
    """Pages in English, so messages are matched in their source language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


INTAKE = reverse("petitions:intake")
DUPLICATES = reverse("petitions:intake_duplicates")


@pytest.fixture
def leader(tree):
    return grid_factories.user(role="grid_leader", region=tree.grid_a)


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


def form_data(tree, **overrides) -> dict:
    data = {
        "category": factories.category("street_light").pk,
        "region": tree.grid_a.pk,
        "address": "3号楼东侧",
        "title": "路灯不亮",
        "description": "清川佳园3号楼东侧的路灯已经三天不亮了，晚上很黑。",
        "reporter_name": "陈秀英",
        "reporter_phone": "139 1234 5678",
        "channel": Channel.GRID,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def selected_option(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    found = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return found.group(1) if found else None


def option_values(html: str, name: str) -> set[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {v for v in re.findall(r'<option value="([^"]*)"', select) if v}


# --- The form ------------------------------------------------------------------------------------


def test_grid_leader_form_defaults_to_their_grid_and_the_grid_channel(leader_client, tree):
    html = leader_client.get(INTAKE).content.decode()
    assert selected_option(html, "region") == str(tree.grid_a.pk)
    assert option_values(html, "region") == {str(tree.grid_a.pk)}
    assert selected_option(html, "channel") == Channel.GRID
    assert f'hx-post="{DUPLICATES}"' in html
    assert "duplicates" in html and 'data-testid="no-duplicates"' not in html  # nothing to compare yet
    assert 'enctype="multipart/form-data"' in html and 'name="photos"' in html and "multiple" in html


def test_default_region_is_the_first_grid_of_the_assignments(tree):
    user = grid_factories.user(role="community_staff", region=tree.community_a)
    assert default_region(user) == tree.community_a
    grid_services.role_assign(user=user, role="grid_leader", region=tree.grid_b)  # also leads a grid
    user = type(user).objects.get(pk=user.pk)
    assert default_region(user) == tree.grid_b


def test_service_window_staff_choose_any_channel_and_file_in_their_community(client, tree):
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    html = client.get(INTAKE).content.decode()
    assert selected_option(html, "channel") == Channel.SERVICE_WINDOW
    channels = option_values(html, "channel")
    assert {
        "grid",
        "party_station",
        "self_governance",
        "service_window",
        "meeting",
        "wechat",
        "phone",
        "web",
    } <= channels
    assert not {"api", "open311"} & channels
    mine = (tree.community_a, tree.compound_a, tree.compound_a2, tree.grid_a, tree.grid_a2)
    assert option_values(html, "region") == {str(r.pk) for r in mine}  # not the sibling community
    response = client.post(INTAKE, form_data(tree, channel=Channel.MEETING, region=tree.compound_a.pk))
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert (petition.channel, petition.region, petition.filed_by) == (Channel.MEETING, tree.compound_a, staff)


def test_intake_regions_follow_the_file_scope(tree):
    street = grid_factories.user(role="street_staff", region=tree.street_a)
    assert set(intake_regions(street)) == set(Region.objects.filter(path__startswith=tree.street_a.path))
    handler = grid_factories.user(role="handler", region=tree.street_a, unit=tree.unit_a)
    assert not intake_regions(handler).exists()


# --- Filing --------------------------------------------------------------------------------------


def test_grid_leader_files_and_sees_the_tracking_code(leader_client, leader, tree):
    response = leader_client.post(INTAKE, form_data(tree))
    petition = Petition.objects.get()
    assert response.status_code == 302 and response.url == reverse("petitions:intake_done", args=[petition.pk])
    assert petition.channel == Channel.GRID and petition.region == tree.grid_a and petition.filed_by == leader
    assert petition.reporter_phone == "13912345678" and petition.phone_last4 == "5678"
    assert petition.address == "3号楼东侧" and petition.status == Status.NEW and not petition.anonymous
    done = leader_client.get(response.url)
    assert done.status_code == 200
    assert petition.tracking_code in done.content.decode()
    assert reverse("petitions:detail", args=[petition.pk]) in done.content.decode()


def test_region_outside_the_scope_is_rejected(leader_client, tree):
    response = leader_client.post(INTAKE, form_data(tree, region=tree.grid_b.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_region_error"' in html and "Choose one of the places in the list." in html
    assert not Petition.objects.exists()


def test_bad_phone_is_explained_next_to_the_field_and_nothing_is_lost(leader_client, tree):
    response = leader_client.post(INTAKE, form_data(tree, reporter_phone="12345"))
    html = response.content.decode()
    assert response.status_code == 200 and not Petition.objects.exists()
    assert 'id="id_reporter_phone_error"' in html and "valid mainland China mobile number" in html
    assert 'aria-describedby="id_reporter_phone_error"' in html
    assert 'value="12345"' in html and 'value="路灯不亮"' in html and "晚上很黑" in html and 'value="陈秀英"' in html


def test_name_and_phone_are_required_unless_anonymous(leader_client, tree):
    html = leader_client.post(INTAKE, form_data(tree, reporter_name="", reporter_phone="")).content.decode()
    assert 'id="id_reporter_name_error"' in html and 'id="id_reporter_phone_error"' in html
    assert "or tick “Anonymous”" in html
    assert not Petition.objects.exists()


def test_anonymous_report_keeps_no_personal_data(leader_client, tree):
    response = leader_client.post(
        INTAKE, form_data(tree, anonymous="on", reporter_name="不该保存", reporter_phone="13912345678")
    )
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert petition.anonymous and petition.reporter_name == "" and petition.reporter_phone == ""
    assert petition.phone_last4 == ""


def test_solved_on_the_spot_needs_a_note_and_is_recorded(leader_client, tree):
    html = leader_client.post(INTAKE, form_data(tree, solved_on_spot="on")).content.decode()
    assert 'id="id_on_spot_note_error"' in html and not Petition.objects.exists()
    response = leader_client.post(INTAKE, form_data(tree, solved_on_spot="on", on_spot_note="当场更换了灯泡"))
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert petition.solved_on_spot and petition.status == Status.REPLIED and petition.klass == Klass.ROUTINE
    assert petition.reply == "当场更换了灯泡"


def test_a_refused_domain_action_is_a_form_error(leader_client, tree, monkeypatch):
    def refuse(**kwargs):
        raise DomainError("Refused by the rules.", field="description")

    monkeypatch.setattr(services, "petition_file", refuse)
    response = leader_client.post(INTAKE, form_data(tree))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_description_error"' in html and "Refused by the rules." in html
    monkeypatch.setattr(services, "petition_file", lambda **kw: (_ for _ in ()).throw(DomainError("Whole form.")))
    html = leader_client.post(INTAKE, form_data(tree)).content.decode()
    assert 'id="form-errors"' in html and "Whole form." in html


def test_people_without_the_filing_right_get_404(client, tree):
    resident = grid_factories.user(role="resident", region=tree.compound_a)
    client.force_login(resident)
    assert client.get(INTAKE).status_code == 404
    assert client.post(INTAKE, form_data(tree)).status_code == 404
    assert not Petition.objects.exists()


def test_the_confirmation_of_an_item_outside_the_scope_is_404(leader_client, tree):
    other = factories.petition(region=tree.grid_b)
    assert leader_client.get(reverse("petitions:intake_done", args=[other.pk])).status_code == 404


# --- Duplicates ----------------------------------------------------------------------------------


def _existing(tree, **extra):
    return factories.petition(
        region=extra.pop("region", tree.grid_a),
        code=extra.pop("code", "street_light"),
        title=extra.pop("title", "3号楼路灯坏了"),
        description=extra.pop("description", "清川佳园3号楼东侧的路灯坏了，晚上很黑。"),
        **extra,
    )


def _lookup(client, tree, **overrides):
    data = {
        "category": factories.category("street_light").pk,
        "region": tree.grid_a.pk,
        "title": "路灯不亮",
        "description": "3号楼东侧的路灯不亮了，晚上很黑",
    }
    data.update(overrides)
    return client.post(DUPLICATES, data).content.decode()


@pytest.fixture(params=["difflib", "pg_trgm"])
def similarity(request, monkeypatch):
    """Run duplicate tests with the Python fallback and with PostgreSQL's pg_trgm."""
    if request.param == "difflib":
        monkeypatch.setattr(duplicates, "trigram_available", lambda: False)
    else:
        with connection.cursor() as cursor:  # rolled back with the test's transaction
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        assert duplicates.trigram_available()
    return request.param


def test_likely_duplicates_are_shown_most_similar_first(leader_client, leader, tree, similarity):
    far = _existing(tree, title="路灯闪烁", description="小区北门路灯一直闪烁")
    near = _existing(tree)
    html = _lookup(leader_client, tree)
    assert 'data-testid="duplicates"' in html
    assert html.index(near.tracking_code) < html.index(far.tracking_code)
    assert f'name="attach_to" value="{near.pk}"' in html
    found = duplicates.likely_duplicates(
        user=leader,
        category=near.category,
        region=tree.grid_a,
        text="3号楼东侧的路灯不亮了，晚上很黑",
    )
    assert [p.pk for p in found] == [near.pk, far.pk]
    assert found[0].similarity > found[1].similarity


def test_duplicates_in_the_same_compound_are_found_from_a_sibling_grid(client, tree, similarity):
    sibling = grid_factories.region(parent=tree.compound_a, name="网格A2")
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    existing = _existing(tree, region=sibling)
    assert existing.tracking_code in _lookup(client, tree)


def test_not_duplicates_other_category_old_closed_or_elsewhere(leader_client, tree, similarity):
    other_category = _existing(tree, code="road")
    old = _existing(tree)
    Petition.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    replied = _existing(tree, solved_on_spot=True, on_spot_note="已修好")
    elsewhere = _existing(tree, region=tree.grid_b)
    merged = _existing(tree, attach_to=_existing(tree, region=tree.grid_b))
    html = _lookup(leader_client, tree)
    for petition in (other_category, old, replied, elsewhere, merged):
        assert petition.tracking_code not in html
    assert 'data-testid="no-duplicates"' in html


def test_nothing_is_looked_up_before_category_and_place(leader_client, tree):
    _existing(tree)
    html = leader_client.post(DUPLICATES, {"title": "路灯"}).content.decode()
    assert "duplicate" not in html
    assert leader_client.get(DUPLICATES).status_code == 200


def test_duplicates_are_shown_again_when_the_form_comes_back_with_errors(leader_client, tree):
    existing = _existing(tree)
    html = leader_client.post(INTAKE, form_data(tree, reporter_phone="1")).content.decode()
    assert existing.tracking_code in html and 'data-testid="duplicates"' in html


def test_attach_to_an_existing_item_files_a_merged_report(leader_client, leader, tree):
    existing = _existing(tree)
    response = leader_client.post(INTAKE, form_data(tree, attach_to=existing.pk))
    assert response.status_code == 302
    report = Petition.objects.exclude(pk=existing.pk).get()
    assert report.status == Status.MERGED and report.merged_into == existing
    assert report.reporter_phone == "13912345678"
    note = existing.timeline.get(action="attach")
    assert note.data == {"code": report.tracking_code} and not note.public
    existing.refresh_from_db()
    assert existing.status == Status.NEW
    done = leader_client.get(response.url).content.decode()
    assert report.tracking_code in done and existing.tracking_code in done


def test_attach_only_to_a_likely_duplicate_in_scope(leader_client, tree):
    elsewhere = _existing(tree, region=tree.grid_b)
    html = leader_client.post(INTAKE, form_data(tree, attach_to=elsewhere.pk)).content.decode()
    assert "can no longer take new reports" in html
    closed = _existing(tree, solved_on_spot=True, on_spot_note="修好了")
    services.petition_evaluate(petition=closed, rating="satisfied", source="resident")
    html = leader_client.post(INTAKE, form_data(tree, attach_to=closed.pk)).content.decode()
    assert "can no longer take new reports" in html
    assert Petition.objects.filter(filed_by__isnull=False).count() == 0
    assert not Event.objects.filter(action="attach").exists()
