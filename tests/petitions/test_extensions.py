"""What other apps add to a petition: links and actions on the staff page, entries on the timeline
told in the reader's language (``petitions.extensions``)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_lazy

from core.links import PageAction, PageExtensions, Related
from grids.roles import Role
from petitions import extensions, services
from petitions.models import Event
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(monkeypatch):
    """A fresh set of providers and events, so the test sees only its own."""
    fresh = PageExtensions()
    monkeypatch.setattr(extensions, "page", fresh)
    monkeypatch.setattr(extensions, "EVENTS", {})
    return fresh


def test_other_apps_add_links_actions_and_timeline_entries_to_the_staff_page(tree, page):
    staff = grid_factories.user(username="zhang", role=Role.STREET_STAFF, region=tree.street_a)
    petition = factories.petition(region=tree.grid_a)
    seen = []

    def related(user, item):
        seen.append((user.pk, item.pk))
        yield Related(gettext_lazy("Found on a field day"), "2026-12-01 · 网格A1", "/gridwork/days/7/", "done")

    page.register_related(related)
    page.register_related(related)  # registering twice (a second ready()) adds nothing
    page.register_action(lambda user, item: [PageAction("Publish as an opportunity", f"/v/new/?petition={item.pk}")])
    extensions.register_event(
        "test.opportunity",
        gettext_lazy("Volunteer opportunity"),
        lambda params: [gettext_lazy("Places: %(n)s") % {"n": params["places"]}],
    )
    services.petition_log(petition=petition, name="test.opportunity", params={"places": 4}, public=True)

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    body = html.unescape(client.get(reverse("petitions:detail", kwargs={"pk": petition.pk})).content.decode())
    assert seen == [(staff.pk, petition.pk)]
    assert "Found on a field day" in body and 'href="/gridwork/days/7/"' in body
    assert f'href="/v/new/?petition={petition.pk}"' in body
    assert "Volunteer opportunity" in body and "Places: 4" in body
    assert page.providers == 2


def test_an_entry_is_stored_as_a_name_and_parameters_and_told_in_each_readers_language(tree, page):
    petition = factories.petition(region=tree.grid_a, phone="13912345678")
    extensions.register_event("test.done", gettext_lazy("Note"), lambda params: [gettext_lazy("Public")])
    event = services.petition_log(petition=petition, name="test.done", params={"x": 1}, public=True)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.kind, stored.action, stored.data, stored.text) == (Event.Kind.LINKED, "test.done", {"x": 1}, "")

    for language, label, detail in (("en", "Note", "Public"), ("zh-hans", "备注", "公开")):
        client = Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR="10.9.8.7")
        response = client.post(
            reverse("petitions:public_status"), {"code": petition.tracking_code, "phone_last4": "5678"}
        )
        body = html.unescape(response.content.decode())
        assert label in body and detail in body, language


def test_an_unregistered_entry_is_refused_and_one_whose_app_is_gone_reads_as_an_update(tree, page):
    petition = factories.petition(region=tree.grid_a)
    with pytest.raises(ValueError, match="no timeline event"):
        services.petition_log(petition=petition, name="nobody.registered")
    with pytest.raises(ValueError, match="longer than 32"):
        extensions.register_event("x" * 33, "x")
    assert extensions.describe("gone.app", {"a": 1}) == ("", [])
