"""An opportunity published from a micro-wish, in one step from the wish's page."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tests.grids import factories as grid_factories
from tests.volunteers import factories
from tests.volunteers.test_wishes import _wish
from volunteers import services
from volunteers.models import Opportunity, OpportunityStatus


def _form(tree, **changes):
    day = timezone.localdate() + dt.timedelta(days=3)
    data = {
        "title": "送台灯上门",
        "region": tree.community_a.pk,
        "service_type": factories.service_type().pk,
        "date": day.isoformat(),
        "start": "09:00",
        "end": "11:00",
        "places": "2",
        "skills": "",
        "address": "",
        "description": "",
    }
    data.update(changes)
    return data


def test_publish_from_a_wish_and_the_wish_shows_it_and_its_outcome(client, tree):
    wish, _staff = _wish(tree)
    coordinator = grid_factories.user(role="volunteer_coordinator", region=tree.street_a)
    client.force_login(coordinator)
    page = client.get(reverse("volunteers:wish_manage", args=[wish.code])).content.decode()
    new_url = reverse("volunteers:opportunity_new") + f"?wish={wish.code}"
    assert new_url in page.replace("&amp;", "&")
    form = client.get(new_url).content.decode()
    assert wish.title in form and wish.code in form  # the title is proposed, the wish named
    response = client.post(new_url, _form(tree))
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Opportunity.objects.get(wish=wish)
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator)
    services.signup_create(volunteer=volunteer, opportunity=created)
    services.opportunity_set_status(user=coordinator, opportunity=created, status=OpportunityStatus.CLOSED)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("volunteers:wish_manage", args=[wish.code]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("volunteers:opportunity_manage", args=[created.pk]) in page
    assert "1 of 2 places taken" in page and "Closed" in page  # its outcome


def test_a_wish_out_of_scope_or_not_verified_gets_no_opportunity(client, tree):
    coordinator = grid_factories.user(role="volunteer_coordinator", region=tree.street_a)
    staff_b = grid_factories.user(role="community_staff", region=tree.community_b)
    theirs = services.wish_submit(
        user=staff_b, title="风扇", region=tree.community_b, pseudonym="老张", resident_name="张"
    )
    client.force_login(coordinator)
    url = reverse("volunteers:opportunity_new")
    assert client.get(url + f"?wish={theirs.code}").status_code == 404
    assert client.post(url + f"?wish={theirs.code}", _form(tree)).status_code == 404
    unverified = services.wish_submit(
        user=coordinator, title="书包", region=tree.community_a, pseudonym="小赵", resident_name="赵"
    )
    response = client.post(url + f"?wish={unverified.code}", _form(tree))
    assert response.status_code == 400 and not Opportunity.objects.filter(wish=unverified).exists()
    assert "送台灯上门" in response.content.decode()  # what was typed is kept
    assert client.get(url + "?wish=" + "Z" * 500).status_code == 404
