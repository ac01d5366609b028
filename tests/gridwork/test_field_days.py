"""Field days (下沉网格): the service's rules, the one-step filing of a finding, the pages, the home
panel and the link on the petition's page."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from gridwork import selectors, services
from gridwork.models import FieldDay, Finding
from petitions.models import Channel, Event, Status
from tests.grids import factories as grid_factories
from tests.gridwork import factories
from tests.petitions import factories as petition_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(tree):
    return grid_factories.user(username="wang", role="grid_leader", region=tree.grid_a)


def test_a_leader_logs_a_day_with_its_findings(tree, leader):
    day = services.field_day_log(
        user=leader,
        grid=tree.grid_a,
        date=timezone.localdate(),
        hours="3.5",
        households=12,
        notes="走访3幢",
        findings=services.findings_from_text("路灯不亮\n\n  垃圾亭满溢  \n"),
    )
    assert (day.region_path, str(day.hours), day.households) == (tree.grid_a.path, "3.5", 12)
    assert [f.text for f in day.findings.order_by("id")] == ["路灯不亮", "垃圾亭满溢"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": timezone.localdate() + dt.timedelta(days=1)}, "date"),
        ({"hours": "24.5"}, "hours"),
        ({"hours": "-1"}, "hours"),
        ({"hours": "NaN"}, "hours"),
    ],
)
def test_a_future_day_or_impossible_hours_are_refused(tree, leader, change, field):
    values = {"grid": tree.grid_a, "date": timezone.localdate(), "hours": "4", **change}
    with pytest.raises(DomainError) as refused:
        services.field_day_log(user=leader, **values)
    assert refused.value.field == field
    assert not FieldDay.objects.exists()


def test_a_grid_outside_the_leaders_scope_is_refused(tree, leader):
    for grid in (tree.grid_a2, tree.grid_b, tree.compound_a):
        with pytest.raises(DomainError) as refused:
            services.field_day_log(user=leader, grid=grid, date=timezone.localdate(), hours=2)
        assert refused.value.field == "grid"
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    with pytest.raises(DomainError):
        services.field_day_log(user=staff, grid=tree.grid_a, date=timezone.localdate(), hours=2)


def test_the_same_grid_and_date_twice_is_a_clear_error(tree, leader):
    factories.field_day(leader=leader, grid=tree.grid_a)
    with pytest.raises(DomainError) as refused:
        factories.field_day(leader=leader, grid=tree.grid_a)
    assert refused.value.field == "date"
    assert FieldDay.objects.count() == 1


def test_a_finding_becomes_a_petition_in_one_step_and_links_back(tree, leader):
    day = factories.field_day(leader=leader, grid=tree.grid_a, findings=["3幢路灯不亮"])
    finding = day.findings.get()
    petition = services.finding_file(user=leader, finding=finding, category=petition_factories.category("street_light"))
    assert (petition.channel, petition.region_id, petition.title, petition.status) == (
        Channel.GRID,
        tree.grid_a.pk,
        "3幢路灯不亮",
        Status.NEW,
    )
    assert petition.filed_by == leader
    finding.refresh_from_db()
    assert finding.petition_id == petition.pk
    entry = Event.objects.get(petition=petition, kind=Event.Kind.LINKED)
    assert entry.action == services.FINDING_EVENT and entry.data["field_day"] == day.pk
    with pytest.raises(DomainError):
        services.finding_file(user=leader, finding=finding, category=petition_factories.category())


def test_only_someone_who_may_file_in_the_grid_turns_a_finding_into_a_petition(tree, leader):
    day = factories.field_day(leader=leader, grid=tree.grid_a)
    neighbour = grid_factories.user(role="grid_leader", region=tree.grid_a2)
    with pytest.raises(DomainError):
        services.finding_file(user=neighbour, finding=day.findings.get(), category=petition_factories.category())
    assert not Finding.objects.filter(petition__isnull=False).exists()
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    assert services.finding_file(user=staff, finding=day.findings.get(), category=petition_factories.category())


def test_the_week_counts_distinct_dates_since_monday_and_open_items_in_the_leaders_grids(tree, leader, settings):
    settings.GRIDWORK_FIELD_DAYS_PER_WEEK = 3
    wednesday = dt.date(2026, 12, 9)
    for date, grid in [
        (dt.date(2026, 12, 7), tree.grid_a),  # Monday
        (dt.date(2026, 12, 9), tree.grid_a),
        (dt.date(2026, 12, 6), tree.grid_a),  # last Sunday: another week
    ]:
        FieldDay.objects.create(leader=leader, grid=grid, region_path=grid.path, date=date, hours=3)
    other = grid_factories.user(role="grid_leader", region=tree.grid_a)
    FieldDay.objects.create(leader=other, grid=tree.grid_a, region_path=tree.grid_a.path, date=wednesday, hours=3)
    petition_factories.petition(region=tree.grid_a)
    petition_factories.petition(region=tree.grid_a2)  # not this leader's grid
    week = selectors.leader_week(user=leader, today=wednesday)
    assert (week.days, week.expected, week.short, week.open_items, week.since) == (2, 3, 1, 1, dt.date(2026, 12, 7))


def test_phone_journey_through_the_pages(client, tree, leader):
    client.force_login(leader)
    home = client.get(reverse("accounts:role_home", kwargs={"role": "grid_leader"}))
    assert 'data-testid="field-days-week"' in home.content.decode()
    url = reverse("gridwork:field_day_new")
    assert client.get(url).status_code == 200
    typed = {
        "grid": tree.grid_a.pk,
        "date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
        "hours": "5",
        "households": "8",
        "notes": "走访独居老人",
        "findings": "楼道电线裸露",
    }
    refused = client.post(url, typed)
    body = refused.content.decode()
    assert refused.status_code == 400 and "走访独居老人" in body and "楼道电线裸露" in body
    assert 'id="id_date_error"' in body
    typed["date"] = timezone.localdate().isoformat()
    saved = client.post(url, typed)
    day = FieldDay.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("gridwork:field_day_detail", kwargs={"pk": day.pk})
    finding = day.findings.get()
    file_url = reverse("gridwork:finding_file", kwargs={"pk": day.pk, "finding_pk": finding.pk})
    empty = client.post(file_url, {})
    assert empty.status_code == 400 and f'id="id_f{finding.pk}-category_error"' in empty.content.decode()
    category = petition_factories.category("power")
    assert client.post(file_url, {f"f{finding.pk}-category": category.pk}).status_code == 302
    finding.refresh_from_db()
    detail = client.get(reverse("gridwork:field_day_detail", kwargs={"pk": day.pk})).content.decode()
    assert finding.petition.tracking_code in detail
    petition_page = html.unescape(
        client.get(reverse("petitions:detail", kwargs={"pk": finding.petition_id})).content.decode()
    )
    assert reverse("gridwork:field_day_detail", kwargs={"pk": day.pk}) in petition_page


def test_a_field_day_outside_scope_is_not_found(client, tree, leader):
    neighbour = grid_factories.user(role="grid_leader", region=tree.grid_a2)
    day = factories.field_day(leader=neighbour, grid=tree.grid_a2)
    client.force_login(leader)
    assert client.get(reverse("gridwork:field_day_detail", kwargs={"pk": day.pk})).status_code == 404
    file_url = reverse("gridwork:finding_file", kwargs={"pk": day.pk, "finding_pk": day.findings.get().pk})
    assert client.post(file_url, {}).status_code == 404


def test_the_list_costs_the_same_queries_for_one_row_or_many(client, tree, leader, django_assert_num_queries):
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    url = reverse("gridwork:field_day_list")
    factories.field_day(leader=leader, grid=tree.grid_a)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200
    for days_ago in range(1, 30):
        factories.field_day(leader=leader, grid=tree.grid_a, days_ago=days_ago)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert response.context["page"].has_more
    older = client.get(f"{url}?{response.context['next_query']}")
    assert len(older.context["page"].items) == 5


LIST_QUERIES = 8
