"""Pinned query counts of the HTML detail page and the board: they do not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions import services
from petitions.models import Klass
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db

DETAIL_QUERIES = 12
BOARD_QUERIES = 9


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_detail_page_query_count_is_fixed(client, tree):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    client.force_login(staff)
    petition = services.petition_triage(
        user=staff, petition=factories.petition(region=tree.grid_a), klass=Klass.GENERAL, unit=tree.unit_a
    )
    url = reverse("petitions:detail", kwargs={"pk": petition.pk})
    small = _count(client, url)
    for index in range(12):
        services.petition_note(user=staff, petition=petition, text=f"备注{index}", public=bool(index % 2))
    services.petition_accept(user=staff, petition=petition)
    services.petition_progress(user=staff, petition=petition, text="已到现场")
    assert _count(client, url) == small == DETAIL_QUERIES


def test_board_query_count_is_fixed(client, tree):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    client.force_login(staff)
    url = reverse("petitions:board")
    factories.petition(region=tree.grid_a)
    small = _count(client, url)
    for index in range(6):
        factories.petition(region=tree.grid_a, phone=f"1390000{index:04d}")
    assert _count(client, url) == small == BOARD_QUERIES
