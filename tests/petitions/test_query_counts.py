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


# Public status check (POST code + digits): session-free lookup with category and region, timeline,
# photos, and one "already evaluated?" check for a replied item. No re-read of the item.
STATUS_QUERIES = 4
STATUS_QUERIES_NOT_REPLIED = 3


def _status_count(client, petition, digits: str) -> tuple[int, str]:
    url = reverse("petitions:public_status")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"code": petition.tracking_code, "phone_last4": digits})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_public_status_query_count_is_fixed(client, tree):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    category = factories.category("street_light")
    petition = factories.petition(region=tree.grid_a, code="street_light", phone="13912345678")
    count, html = _status_count(client, petition, "5678")
    assert count == STATUS_QUERIES_NOT_REPLIED
    assert str(category) in html and tree.grid_a.name in html  # category and place from the one lookup
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=tree.unit_a)
    petition = services.petition_accept(user=staff, petition=petition)
    for index in range(5):
        services.petition_progress(user=staff, petition=petition, text=f"进展{index}")
    services.petition_reply(user=staff, petition=petition, reply="已修复")
    count, html = _status_count(client, petition, "5678")
    assert count == STATUS_QUERIES
    assert "进展4" in html and 'data-testid="evaluation"' in html


def test_queue_indexes_are_partial_on_open_items():
    """The triage queue's indexes (benchmark issue 5) exist as the migration built them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'petitions_petition'"
            " AND indexname LIKE 'petition_open_by_%%'"
        )
        defs = dict(cursor.fetchall())
    assert "petition_open_by_due" not in defs  # replaced by its superset below
    category = defs["petition_open_by_category"]
    assert "(category_id, region_path varchar_pattern_ops, id DESC)" in category
    due = defs["petition_open_by_due_region"]
    assert "(next_due_at, id, region_path varchar_pattern_ops)" in due
    for definition in (category, due):
        assert "WHERE ((status)::text = ANY" in definition and "'waiting'" in definition
