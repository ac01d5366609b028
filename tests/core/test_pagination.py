"""Keyset pages on a non-unique column: ties broken by id, nothing skipped or repeated."""

import datetime as dt

import pytest
from django.utils import timezone

from core.pagination import keyset_page, keyset_page_sql
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


def _sql_page(qs, *, cursor, ordering, size):
    """``keyset_page_sql`` reading ids and next_due_at (as ``keyset_page``'s rows give them)."""

    class Row:
        def __init__(self, values):
            self.id, self.next_due_at = values
            self.pk = self.id

    return keyset_page_sql(
        qs,
        select="petitions_petition.id, petitions_petition.next_due_at",
        row=Row,
        cursor=cursor,
        ordering=ordering,
        size=size,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["-id", "id", "next_due_at"])
def test_the_sql_page_walks_the_same_rows_as_the_orm_page(tree, ordering):
    due = timezone.now() + dt.timedelta(days=1)
    items = [factories.petition(region=tree.grid_a) for _ in range(7)]
    for index, item in enumerate(items):
        Petition.objects.filter(pk=item.pk).update(next_due_at=due + dt.timedelta(hours=index // 3))
    qs = Petition.objects.filter(pk__in=[p.pk for p in items[1:]])
    walked = {}
    for name, paging in (("orm", keyset_page), ("sql", _sql_page)):
        seen, cursor = [], None
        while True:
            page = paging(qs, cursor=cursor, ordering=ordering, size=2)
            seen += [row.pk for row in page.items]
            if not page.has_more:
                break
            cursor = page.next_cursor
        walked[name] = seen
    assert walked["sql"] == walked["orm"] and len(walked["sql"]) == 6
    assert _sql_page(qs, cursor="not|a-cursor", ordering=ordering, size=5).items[0].pk == walked["orm"][0]


@pytest.mark.django_db
def test_the_sql_page_of_nothing_is_empty_and_a_join_is_refused(tree):
    factories.petition(region=tree.grid_a)
    assert _sql_page(Petition.objects.none(), cursor=None, ordering="-id", size=5).items == []
    assert len(_sql_page(Petition.objects.all(), cursor=None, ordering="-id", size=5).items) == 1
    with pytest.raises(ValueError, match="joins"):
        _sql_page(Petition.objects.filter(category__code="road"), cursor=None, ordering="-id", size=5)
    with pytest.raises(ValueError, match="is DISTINCT"):
        _sql_page(Petition.objects.distinct(), cursor=None, ordering="-id", size=5)
