"""Merging (并单): the rule lives in the service, so the page, the bulk form and the API refuse the
same things — into itself, into a closed or merged item, into an item the user may only see."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import DomainError
from grids import services as grid_services
from grids.roles import Role
from petitions import services
from petitions.models import Evaluation, Klass, Petition, Status
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):
    return grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)


def test_the_service_refuses_every_bad_target(tree, staff, english):
    item = factories.petition(region=tree.grid_a)
    with pytest.raises(DomainError, match="into itself"):
        services.petition_merge(user=staff, petition=item, into=item)
    closed = factories.petition(region=tree.grid_a)
    closed = services.petition_triage(user=staff, petition=closed, klass=Klass.GENERAL, unit=tree.unit_a)
    closed = services.petition_accept(user=staff, petition=closed)
    closed = services.petition_reply(user=staff, petition=closed, reply="已修复")
    services.petition_evaluate(petition=closed, rating=Evaluation.Rating.SATISFIED, source="resident")
    with pytest.raises(DomainError, match="still open"):
        services.petition_merge(user=staff, petition=item, into=Petition.objects.get(pk=closed.pk))
    open_item = factories.petition(region=tree.grid_a)
    merged = services.petition_merge(user=staff, petition=factories.petition(region=tree.grid_a), into=open_item)
    with pytest.raises(DomainError, match="still open"):
        services.petition_merge(user=staff, petition=item, into=merged)
    elsewhere = factories.petition(region=tree.grid_b)
    with pytest.raises(DomainError, match="not in your scope|No item"):
        services.petition_merge(user=staff, petition=item, into=elsewhere)
    assert Petition.objects.get(pk=item.pk).status == Status.NEW


def test_a_target_the_user_may_only_view_is_refused_on_the_page_and_through_the_api(tree):
    """Street staff in street B and grid leader in grid A: they may triage B's items and only view
    A's. Merging a B item into an A item is refused everywhere, in the same words as a target that
    does not exist, and the B resident's status page never shows the A item."""
    user = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_b)
    grid_services.role_assign(user=user, role=Role.GRID_LEADER, region=tree.grid_a)
    theirs = factories.petition(region=tree.grid_b, phone="13912340001")
    viewed_only = factories.petition(region=tree.grid_a, phone="13912340002")

    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(user)
    url = reverse("petitions:act", kwargs={"pk": theirs.pk, "action": "merge"})
    refused = page.post(url, {"into": viewed_only.tracking_code})
    missing = page.post(url, {"into": "ZH99999999"})
    assert refused.status_code == missing.status_code == 400
    assert "No item with this tracking code is in your scope." in refused.content.decode()

    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(user)
    url = reverse("petitions_api:petition_merge", kwargs={"pk": theirs.pk})
    refused = api.post(url, {"into": viewed_only.pk}, format="json")
    missing = api.post(url, {"into": 999999999}, format="json")
    assert refused.status_code == missing.status_code == 400
    assert list(refused.json()) == list(missing.json()) == ["into"]

    assert Petition.objects.get(pk=theirs.pk).status == Status.NEW
    status = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("petitions:public_status"), {"code": theirs.tracking_code, "phone_last4": "0001"}
    )
    assert viewed_only.tracking_code not in status.content.decode()
