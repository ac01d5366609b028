"""A subsidised project names the petitions and micro-wishes it resolves: their pages link to it, and
each petition's timeline records the project's steps."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from funds import services
from funds.models import CapKind
from grids.roles import Role
from petitions import extensions
from petitions.models import Event
from tests.funds import factories
from tests.grids import factories as grid_factories
from tests.petitions import factories as petition_factories
from volunteers import services as volunteer_services

pytestmark = pytest.mark.django_db


def _programme(tree):
    fund = services.programme_create(
        user=None,
        name="公益创投",
        region=tree.street_a,
        purpose="公益创投",
        cap_kind=CapKind.PER_PROJECT,
        cap_min_fen=1_000_000,
        cap_max_fen=10_000_000,
    )
    factories.funded(fund=fund, fen=20_000_000)
    return fund


def _wish(tree, region=None, title="一台电风扇"):
    staff = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    wish = volunteer_services.wish_submit(
        user=staff, title=title, region=region or tree.community_a, pseudonym="李奶奶", resident_name="李秀兰"
    )
    return volunteer_services.wish_verify(user=staff, wish=wish, accept=True) if region is None else wish


def test_the_manager_names_wishes_and_petitions_and_their_pages_link_to_the_project(tree, client):
    manager = grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a)
    fund, wish = _programme(tree), _wish(tree)
    petition = petition_factories.petition(region=tree.grid_a)
    client.force_login(manager)
    response = client.post(
        reverse("funds:manage_action", args=[fund.pk, "apply"]),
        {
            "apply-applicant": "镇海社工服务社",
            "apply-title": "助老食堂",
            "apply-amount": "50000",
            "apply-petitions": petition.tracking_code,
            "apply-wishes": wish.code.lower(),
        },
    )
    assert response.status_code == 302
    project = fund.projects.get()
    assert list(project.wishes.all()) == [wish] and list(project.petitions.all()) == [petition]
    client.logout()
    public = client.get(reverse("volunteers:wish", args=[wish.code])).content.decode()
    assert "Resolved by a subsidised project" in public and "助老食堂 · 镇海社工服务社" in public
    assert reverse("funds:public_detail", args=[fund.pk]) in public
    staff = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    client.force_login(staff)
    manage = client.get(reverse("volunteers:wish_manage", args=[wish.code])).content.decode()
    assert "助老食堂 · 镇海社工服务社" in manage


def test_a_rejected_project_no_longer_shows_on_the_wish(tree, client):
    fund, wish = _programme(tree), _wish(tree)
    project = services.project_apply(
        user=None, fund=fund, applicant="社工社", title="送清凉", requested_fen=1_000_000, wishes=[wish]
    )
    assert "送清凉" in client.get(reverse("volunteers:wish", args=[wish.code])).content.decode()
    services.project_review(user=None, project=project, approve=False)
    assert "送清凉" not in client.get(reverse("volunteers:wish", args=[wish.code])).content.decode()


def test_an_unknown_wish_or_one_outside_the_funds_region_is_refused_and_nothing_recorded(tree, client):
    manager = grid_factories.user(role=Role.FUND_MANAGER, region=tree.street_a)
    fund = _programme(tree)
    outside = _wish(tree, region=tree.community_b, title="书包")
    client.force_login(manager)
    for codes in (outside.code, "WZZZZZZZ", "x" * 400):
        response = client.post(
            reverse("funds:manage_action", args=[fund.pk, "apply"]),
            {"apply-applicant": "社工社", "apply-title": "助学", "apply-amount": "20000", "apply-wishes": codes},
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "No micro-wish in this fund&#x27;s region has the number" in body
        assert "助学" in body  # what was typed stays
    assert not fund.projects.exists()


def test_each_petition_timeline_records_the_projects_steps_in_the_readers_words(tree):
    fund = _programme(tree)
    petition = petition_factories.petition(region=tree.grid_a)
    project = services.project_apply(
        user=None,
        fund=fund,
        applicant="镇海社工服务社",
        title="路灯改造",
        requested_fen=2_000_000,
        petitions=[petition],
    )
    services.project_review(user=None, project=project, approve=True)
    services.project_assess(user=None, project=project, satisfaction_percent=95, staff_score=80)
    entries = list(Event.objects.filter(petition=petition, action="funds.project").order_by("id"))
    assert [e.data["status"] for e in entries] == ["applied", "approved", "assessed"]
    label, details = extensions.describe("funds.project", entries[1].data)
    assert label == "Subsidised project" and details == ["路灯改造", "镇海社工服务社", "Project status: Approved"]
    with translation.override("zh-hans"):
        label, details = extensions.describe("funds.project", entries[2].data)
    assert label == "公益项目" and details[-1] == "项目状态：已评估"
