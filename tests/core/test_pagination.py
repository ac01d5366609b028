"""Keyset pages on a non-unique column: ties broken by id, nothing skipped or repeated."""

import datetime as dt

import pytest
from django.utils import timezone

from core.pagination import keyset_page
from petitions.models import Petition
from tests.petitions import factories


@pytest.mark.django_db
def test_pages_through_equal_deadlines_without_gaps_or_repeats(tree):
    due = timezone.now() + dt.timedelta(days=1)
    items = [factories.petition(region=tree.grid_a) for _ in range(7)]
    # Five items share one deadline, two come later: ties must be ordered by id across pages.
    for index, item in enumerate(items):
        Petition.objects.filter(pk=item.pk).update(next_due_at=due + dt.timedelta(hours=index // 5))
    qs = Petition.objects.filter(pk__in=[p.pk for p in items])

    seen, cursor = [], None
    while True:
        page = keyset_page(qs, cursor=cursor, ordering="next_due_at", size=2)
        seen += [row.pk for row in page.items]
        if not page.has_more:
            break
        cursor = page.next_cursor

    assert seen == [p.pk for p in items]  # created in id order; deadlines ascending with id


@pytest.mark.django_db
def test_a_malformed_cursor_means_the_first_page(tree):
    items = [factories.petition(region=tree.grid_a) for _ in range(3)]
    qs = Petition.objects.filter(pk__in=[p.pk for p in items])
    assert [row.pk for row in keyset_page(qs, cursor="not|a-cursor", ordering="next_due_at", size=5).items] == [
        row.pk for row in keyset_page(qs, cursor=None, ordering="next_due_at", size=5).items
    ]


def _walk(qs, ordering: str, size: int = 2) -> list[int]:
    seen, cursor = [], None
    while True:
        page = keyset_page(qs, cursor=cursor, ordering=ordering, size=size)
        seen += [row.pk for row in page.items]
        if not page.has_more:
            return seen
        cursor = page.next_cursor


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["-id", "id", "next_due_at", "-next_due_at"])
def test_every_ordering_walks_every_row_once_in_order(tree, ordering):
    due = timezone.now() + dt.timedelta(days=1)
    items = [factories.petition(region=tree.grid_a) for _ in range(7)]
    for index, item in enumerate(items):
        Petition.objects.filter(pk=item.pk).update(next_due_at=due + dt.timedelta(hours=index // 3))
    qs = Petition.objects.filter(pk__in=[p.pk for p in items])
    field = ordering.removeprefix("-")
    expected = sorted(
        qs, key=lambda p: (getattr(p, field), p.pk) if field != "id" else p.pk, reverse=ordering.startswith("-")
    )
    assert _walk(qs, ordering) == [p.pk for p in expected]


# Cursors from outside: out of Python's or PostgreSQL's range, offsets PostgreSQL refuses, garbage.
HOSTILE_CURSORS = [
    "9999-12-31T23:59:59+00:00|1",
    "0001-01-01T00:00:00+00:00|1",
    "2026-01-01T00:00:00+20:00|5",
    "2026-01-01T00:00:00-15:59|5",
    "2026-01-01T00:00:00|99999999999999999999999",
    "2026-01-01T00:00:00+08:00|-3",
    "|",
    "x" * 5000,
    "1e400",
    "\x00",
    "99999999999999999999",
]


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["-id", "next_due_at"])
@pytest.mark.parametrize("cursor", HOSTILE_CURSORS)
def test_a_hostile_cursor_means_the_first_page(tree, ordering, cursor):
    items = [factories.petition(region=tree.grid_a) for _ in range(3)]
    Petition.objects.filter(pk__in=[p.pk for p in items]).update(next_due_at=timezone.now())
    qs = Petition.objects.filter(pk__in=[p.pk for p in items])
    first = [row.pk for row in keyset_page(qs, cursor=None, ordering=ordering, size=5).items]
    assert [row.pk for row in keyset_page(qs, cursor=cursor, ordering=ordering, size=5).items] == first
