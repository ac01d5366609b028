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
