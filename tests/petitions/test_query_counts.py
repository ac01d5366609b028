"""Pinned query counts of the HTML detail page, the board and the public status check: they do not
grow with the data."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions import extensions, services
from petitions.models import Klass, Photo
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db

DETAIL_QUERIES = 14  # + one per provider other apps register on the page (petitions.extensions.page)
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
    # Each app's provider of linked records and actions (petitions.extensions) costs at most one query
    # (gridwork's "record the joint meeting" action costs none).
    assert _count(client, url) == small <= DETAIL_QUERIES + extensions.page.providers


def test_board_query_count_is_fixed(client, tree):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    client.force_login(staff)
    url = reverse("petitions:board")
    factories.petition(region=tree.grid_a)
    small = _count(client, url)
    for index in range(6):
        factories.petition(region=tree.grid_a, phone=f"1390000{index:04d}")
    assert _count(client, url) == small == BOARD_QUERIES


# Public status check (POST code + digits): the item with its category, region, the item it was merged
# into and whether the reply was evaluated; its public photos; the public timeline of both items. No
# session, no re-read of the item.
STATUS_QUERIES = 3
STATUS_QUERIES_MERGED = 3


def _status_page(client, petition, digits: str) -> str:
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"  # below the limit
    response = client.post(
        reverse("petitions:public_status"),
        {"code": petition.tracking_code, "phone_last4": digits},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    return response.content.decode()


def test_public_status_query_count_is_fixed(client, tree, django_assert_num_queries):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    category = factories.category("street_light")
    petition = factories.petition(region=tree.grid_a, code="street_light", phone="13912345678")
    with django_assert_num_queries(STATUS_QUERIES):
        html = _status_page(client, petition, "5678")
    assert category.name_en in html and tree.grid_a.name in html  # category and place from the one lookup
    assert 'data-testid="public-photos"' not in html
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=tree.unit_a)
    petition = services.petition_accept(user=staff, petition=petition)
    for index in range(5):
        services.petition_progress(user=staff, petition=petition, text=f"进展{index}")
    services.petition_reply(user=staff, petition=petition, reply="已修复")
    for index in range(3):
        Photo.objects.create(
            petition=petition, image=f"petitions/p{index}.jpg", public_image=f"petitions/public/p{index}.jpg"
        )
    Photo.objects.create(petition=petition, image="petitions/no-public-copy.jpg")
    with django_assert_num_queries(STATUS_QUERIES):
        html = _status_page(client, petition, "5678")
    assert "进展4" in html and 'data-testid="evaluation"' in html
    assert re.findall(r'<img src="([^"]+)"', html) == [f"/media/petitions/public/p{index}.jpg" for index in range(3)]
    services.petition_evaluate(petition=petition, rating="satisfied", source="resident")
    with django_assert_num_queries(STATUS_QUERIES):
        html = _status_page(client, petition, "5678")
    assert 'data-testid="already-evaluated"' in html and "Evaluation: Satisfied" in html


def test_public_status_of_a_merged_report_reads_the_combined_item_too(client, tree, django_assert_num_queries):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    target = factories.petition(region=tree.grid_a, phone="13900001111")
    report = factories.petition(region=tree.grid_a, phone="13912345678")
    services.petition_merge(user=staff, petition=report, into=target)
    services.petition_triage(user=staff, petition=target, klass=Klass.GENERAL, unit=tree.unit_a)
    with django_assert_num_queries(STATUS_QUERIES_MERGED):
        html = _status_page(client, report, "5678")
    assert "Routed, awaiting acceptance" in html and "Merged with another report" in html


def test_queue_indexes_are_partial_on_open_items():
    """The triage queue's indexes (benchmark issue 5) exist as the migration built them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'petitions_petition'"
            " AND indexname LIKE 'petition_open_by_%%'"
        )
        defs = dict(cursor.fetchall())
    # Replaced: by the due index below (a superset), and by the category index in id order.
    assert "petition_open_by_due" not in defs and "petition_open_by_category" not in defs
    newest = defs["petition_open_by_id_region"]
    assert "(id DESC, region_path varchar_pattern_ops)" in newest
    category = defs["petition_open_by_category_id"]
    assert "(category_id, id DESC, region_path varchar_pattern_ops)" in category
    due = defs["petition_open_by_due_region"]
    assert "(next_due_at, id, region_path varchar_pattern_ops)" in due
    for definition in (newest, category, due):
        assert "WHERE ((status)::text = ANY" in definition and "'waiting'" in definition
