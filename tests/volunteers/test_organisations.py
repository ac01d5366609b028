"""Organisations and studios outside the admin: scoped pages, members and roles, insurance policies
and the beat job reminding before a policy ends."""

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers import services
from volunteers.models import InsurancePolicy, Membership, Organisation


@pytest.fixture
def coordinator(tree):
    return grid_factories.user(role="volunteer_coordinator", region=tree.street_a)


def _organisation(tree, name="红帆志愿服务队", region=None, kind=Organisation.Kind.ORGANISATION):
    admin = grid_factories.user(role="admin", region=tree.district)
    return services.organisation_create(user=admin, name=name, kind=kind, region=region or tree.community_a)


def test_list_is_scoped_filtered_and_keeps_a_fixed_query_count(client, tree, coordinator, django_assert_num_queries):
    mine = _organisation(tree)
    studio = _organisation(tree, name="老潘修理工作室", kind=Organisation.Kind.STUDIO)
    _organisation(tree, name="别的街道服务队", region=tree.street_b)
    client.force_login(coordinator)
    url = reverse("volunteers:organisations")
    client.get(url)
    # session, user, role assignments, second factor, the page's keys, its rows, unread notifications
    with django_assert_num_queries(7):
        html = client.get(url).content.decode()
    assert mine.name in html and studio.name in html and "别的街道服务队" not in html
    for index in range(4):
        _organisation(tree, name=f"服务队{index}")
    with django_assert_num_queries(7):
        client.get(url)
    html = client.get(url, {"kind": "studio"}).content.decode()
    assert studio.name in html and mine.name not in html
    html = client.get(url, {"name": "红帆"}).content.decode()
    assert mine.name in html and studio.name not in html
    assert client.get(url, {"kind": "castle"}).status_code == 400  # a kind that does not exist


def test_detail_of_another_street_is_404(client, tree, coordinator):
    theirs = _organisation(tree, name="别的街道服务队", region=tree.street_b)
    client.force_login(coordinator)
    assert client.get(reverse("volunteers:organisation", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("volunteers:organisation_member", args=[theirs.pk]), {}).status_code == 404


def test_coordinator_records_an_organisation_in_their_regions_only(client, tree, coordinator):
    client.force_login(coordinator)
    url = reverse("volunteers:organisation_new")
    response = client.post(url, {"name": "新服务队", "kind": "organisation", "region": tree.community_a.pk})
    created = Organisation.objects.get(name="新服务队")
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:organisation", args=[created.pk])
    response = client.post(url, {"name": "越界服务队", "kind": "organisation", "region": tree.street_b.pk})
    assert response.status_code == 400 and not Organisation.objects.filter(name="越界服务队").exists()
    assert "越界服务队" in response.content.decode()  # what was typed is kept
    response = client.post(url, {"name": "新服务队", "kind": "organisation", "region": tree.community_a.pk})
    assert response.status_code == 400 and Organisation.objects.filter(name="新服务队").count() == 1


def test_members_and_roles(client, tree, coordinator):
    organisation = _organisation(tree)
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator, real_name="潘国庆")
    outsider = factories.volunteer(region=tree.street_b, actor=coordinator)
    client.force_login(coordinator)
    url = reverse("volunteers:organisation_member", args=[organisation.pk])
    assert client.post(url, {"number": volunteer.number, "role": "member"}).status_code == 302
    assert client.post(url, {"number": volunteer.number, "role": "leader"}).status_code == 302
    assert Membership.objects.get(organisation=organisation, volunteer=volunteer).role == "leader"
    html = client.get(reverse("volunteers:organisation", args=[organisation.pk])).content.decode()
    assert volunteer.number in html and "潘国庆" not in html  # the name is masked
    response = client.post(url, {"number": outsider.number, "role": "member"})
    assert response.status_code == 400 and not Membership.objects.filter(volunteer=outsider).exists()
    assert client.post(url, {"number": volunteer.number, "role": "boss"}).status_code == 400
    remove = reverse("volunteers:organisation_member_remove", args=[organisation.pk])
    assert client.post(remove, {"number": volunteer.number}).status_code == 302
    assert not Membership.objects.filter(organisation=organisation).exists()
    assert client.post(remove, {"number": volunteer.number}).status_code == 400


def test_policy_is_recorded_and_a_bad_term_refused(client, tree, coordinator):
    organisation = _organisation(tree)
    client.force_login(coordinator)
    url = reverse("volunteers:organisation_policy", args=[organisation.pk])
    data = {"insurer": "人保财险", "number": "PA-2027-001", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    assert client.post(url, {**data, "insured": "30"}).status_code == 302
    policy = InsurancePolicy.objects.get(organisation=organisation)
    assert policy.ends_on == dt.date(2027, 12, 31) and policy.insured == 30
    for bad in (
        {**data, "number": "PA-2", "ends_on": "2026-12-31"},  # ends before it starts
        {**data, "number": "PA-3", "starts_on": "0001-01-01"},  # an extreme date
        {**data, "number": "PA-4", "insured": "99999999999999999999"},  # a huge number
        data,  # the same policy twice
    ):
        response = client.post(url, bad)
        assert response.status_code == 400, bad
        assert bad["number"] in response.content.decode()
    assert InsurancePolicy.objects.count() == 1


def test_policy_reminders_go_once_to_managers_and_coordinators(tree, coordinator):
    organisation = _organisation(tree)
    account = grid_factories.user(role="resident", region=tree.compound_a)
    manager = factories.volunteer(region=tree.community_a, account=account)
    services.membership_set(user=coordinator, organisation=organisation, volunteer=manager, role="manager")
    today = timezone.localdate()
    services.policy_add(
        user=coordinator,
        organisation=organisation,
        insurer="人保财险",
        number="PA-1",
        starts_on=today - dt.timedelta(days=300),
        ends_on=today + dt.timedelta(days=5),
    )
    services.policy_add(
        user=coordinator,
        organisation=organisation,
        insurer="人保财险",
        number="PA-LATER",
        starts_on=today,
        ends_on=today + dt.timedelta(days=200),
    )
    assert services.policy_remind(today=today) == 1
    notified = set(Notification.objects.filter(kind=services.POLICY_KIND).values_list("user_id", flat=True))
    assert notified == {account.pk, coordinator.pk}
    assert services.policy_remind(today=today) == 0  # once per policy end
    assert Notification.objects.filter(kind=services.POLICY_KIND).count() == 2
    # Extended: a new end is reminded again when it comes near.
    InsurancePolicy.objects.filter(number="PA-1").update(ends_on=today + dt.timedelta(days=10))
    assert services.policy_remind(today=today) == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_policy_reminder_task_in_the_real_worker(tree, celery_worker_process):
    from volunteers import tasks

    coordinator = grid_factories.user(role="volunteer_coordinator", region=tree.street_a)
    organisation = _organisation(tree)
    today = timezone.localdate()
    policy = services.policy_add(
        user=coordinator,
        organisation=organisation,
        insurer="人保财险",
        number="PA-W",
        starts_on=today - dt.timedelta(days=300),
        ends_on=today + dt.timedelta(days=3),
    )
    tasks.policy_reminders.delay()
    tasks.policy_reminders.delay()  # a second run at once reminds nobody again
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and InsurancePolicy.objects.get(pk=policy.pk).reminded_for is None:
        time.sleep(0.2)
    time.sleep(1)
    assert InsurancePolicy.objects.get(pk=policy.pk).reminded_for == policy.ends_on
    assert Notification.objects.filter(kind=services.POLICY_KIND, user=coordinator).count() == 1
