import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers import selectors, services
from volunteers.models import HoursStatus, ServiceHours


@pytest.fixture
def coordinator(tree):
    return grid_factories.user(role="volunteer_coordinator", region=tree.street_a)


def test_check_in_and_out_then_approval(tree, coordinator, english):
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator)
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=3, hours=2)
    signup = services.signup_create(volunteer=volunteer, opportunity=opportunity)
    start = opportunity.during.lower
    with pytest.raises(DomainError, match="opens an hour before"):
        services.hours_check_in(volunteer=volunteer, signup=signup, now=start - dt.timedelta(hours=2))
    entry = services.hours_check_in(volunteer=volunteer, signup=signup, now=start - dt.timedelta(minutes=30))
    assert entry.started_at == start  # early arrivals count from the start
    with pytest.raises(DomainError, match="already checked in"):
        services.hours_check_in(volunteer=volunteer, signup=signup, now=start)
    entry = services.hours_check_out(volunteer=volunteer, entry=entry, now=start + dt.timedelta(minutes=95))
    assert (entry.status, entry.minutes) == (HoursStatus.PENDING, 95)
    with pytest.raises(DomainError):
        services.hours_check_out(volunteer=volunteer, entry=entry, now=start + dt.timedelta(hours=3))
    assert selectors.hours_total(volunteer) == 0
    queue = list(selectors.hours_queue(user=coordinator))
    assert queue == [entry]
    assert services.hours_decide(user=coordinator, entries=queue, approve=True) == 1
    assert services.hours_decide(user=coordinator, entries=queue, approve=False) == 0  # decided already
    assert selectors.hours_total(volunteer) == 95


def test_coordinator_entry_is_checked_and_scoped(tree, coordinator):
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator)
    now = timezone.now()
    with pytest.raises(DomainError):
        services.hours_record(
            user=coordinator, volunteer=volunteer, region=tree.community_a, start=now, end=now - dt.timedelta(hours=1)
        )
    with pytest.raises(DomainError):
        services.hours_record(
            user=coordinator, volunteer=volunteer, region=tree.community_a, start=now, end=now + dt.timedelta(hours=1)
        )
    inside = services.hours_record(
        user=coordinator,
        volunteer=volunteer,
        region=tree.community_a,
        start=now - dt.timedelta(hours=3),
        end=now - dt.timedelta(hours=1),
        note="纸质签到表",
    )
    outside = services.hours_record(
        user=coordinator,
        volunteer=volunteer,
        region=tree.community_b,
        start=now - dt.timedelta(hours=3),
        end=now - dt.timedelta(hours=1),
    )
    assert inside.minutes == 120
    assert list(selectors.hours_queue(user=coordinator)) == [inside]
    assert outside.status == HoursStatus.PENDING


def test_bulk_approval_page(client, tree, coordinator, django_assert_num_queries):
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator)
    now = timezone.now()
    entries = [
        services.hours_record(
            user=coordinator,
            volunteer=volunteer,
            region=tree.community_a,
            start=now - dt.timedelta(hours=h + 1),
            end=now - dt.timedelta(hours=h),
        )
        for h in (2, 4, 6)
    ]
    client.force_login(coordinator)
    url = reverse("volunteers:hours_queue")
    client.get(url)
    with django_assert_num_queries(6):  # session, user, roles, second factor, the page, notifications
        assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "approve"}).status_code == 400
    response = client.post(url, {"decision": "approve", "ids": [entries[0].pk, entries[1].pk]})
    assert response.status_code == 302
    assert ServiceHours.objects.filter(status=HoursStatus.APPROVED).count() == 2


def test_check_in_from_my_page(client, tree, coordinator):
    resident = grid_factories.user(role="resident", region=tree.compound_a)
    volunteer = factories.volunteer(region=tree.compound_a, account=resident)
    opportunity = factories.opportunity(region=tree.community_a, user=coordinator, start_in_hours=0.5)
    signup = services.signup_create(volunteer=volunteer, opportunity=opportunity)
    client.force_login(resident)
    assert client.post(reverse("volunteers:check_in", args=[signup.pk])).status_code == 302
    page = client.get(reverse("volunteers:me")).content.decode()
    assert 'data-testid="check-out"' in page
    assert client.post(reverse("volunteers:check_in", args=[signup.pk])).status_code == 400


def test_coordinator_enters_hours_from_a_paper_sheet(client, tree, coordinator):
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator)
    stranger = factories.volunteer(region=tree.community_b, actor=coordinator)
    client.force_login(coordinator)
    url = reverse("volunteers:hours_new")
    day = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    data = {"number": volunteer.number, "region": tree.community_a.pk, "date": day, "start": "09:00", "end": "11:30"}
    assert client.post(url, {**data, "end": "08:00"}).status_code == 400
    assert client.post(url, {**data, "number": stranger.number}).status_code == 400  # not in my regions
    assert client.post(url, data).status_code == 302
    entry = ServiceHours.objects.get()
    assert (entry.volunteer, entry.minutes, entry.status) == (volunteer, 150, HoursStatus.PENDING)
