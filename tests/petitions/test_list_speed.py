"""The API list's fast path and the queue's lighter FilterSet answer exactly what the generic ones did.

The API list reads its page as plain values in one statement (``selectors.petition_list_rows``)
instead of model instances with four joins and a prefetch, and ``PetitionFilter`` copies its filters
shallowly and builds its form class once (docs/performance.md). These tests hold the list's JSON
equal to DRF's generic serializer over model instances, and the FilterSet's validation, errors,
filtering and drawing equal to django-filter's own construction. Speed itself is measured by
``make bench``, not here.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import django_filters
import pytest
from django.db.models import Model
from django.http import QueryDict
from django.utils import translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.utils.urls import replace_query_param

from grids.models import Region
from grids.roles import Role
from petitions import selectors
from petitions import serializers as s
from petitions.filters import PetitionFilter, ReadOnlyPetitionFilter
from petitions.models import Deadline, Klass, Petition
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/petitions/"


@pytest.fixture
def staff(tree):
    return grid_factories.user(username="street_a_staff", role=Role.STREET_STAFF, region=tree.street_a)


@pytest.fixture
def variety(tree, staff):
    """One item of each shape a row can take."""
    colleague = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    colleague.full_name = "王晓"
    colleague.save(update_fields=["full_name"])
    made = factories.petition_shapes(tree, staff, colleague=colleague)
    # Beside the shapes' deadlines: one with microseconds, and two of one item due at the same time
    # (ordered by id).
    Deadline.objects.filter(petition=made["claimed"]).update(
        due_at=dt.datetime(2026, 3, 1, 20, 5, 0, 120000, tzinfo=dt.UTC)
    )
    Deadline.objects.filter(petition=made["waiting"]).update(due_at=dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    # The queue's "due soonest" order reads next_due_at, the soonest running deadline.
    for petition in Petition.objects.all():
        ticking = Deadline.objects.filter(petition=petition, met_at__isnull=True, paused_at__isnull=True)
        soonest = ticking.order_by("due_at").first()
        Petition.objects.filter(pk=petition.pk).update(next_due_at=soonest.due_at if soonest else None)
    return made


# --- The API list ------------------------------------------------------------------------------------


def _generic_page(user, url: str, language: str) -> bytes:
    """The page as before: model instances from ``petition_list``, each through DRF's generic
    ``PetitionSummaryOut``, and the next link built as the view builds it."""
    request = Request(APIRequestFactory().get(url, HTTP_ACCEPT_LANGUAGE=language))
    request.user = user
    params = QueryDict(urlsplit(url).query)
    page, _filterset = selectors.petition_list(
        user=user, filters=params, cursor=params.get("cursor"), size=int(params.get("page_size", 25))
    )
    with translation.override(language):
        results = [s.PetitionSummaryOut(petition, context={"request": request}).data for petition in page.items]
    following = None
    if page.next_cursor:
        following = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
    return JSONRenderer().render({"results": results, "next": following})


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("query", ["open=unknown", "open=unknown&sort=due", "status=new&status=waiting&sort=oldest"])
def test_every_page_is_what_the_generic_serializer_renders(staff, variety, language, query):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(staff)
    expected = selectors.petition_list(user=staff, filters=QueryDict(query), size=100)[0].items
    assert len(expected) >= 4  # more than a page
    url, rows = f"{LIST}?{query}&page_size=3", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        assert response.content == _generic_page(staff, url, language)  # keys, order, types, text, link
        body = response.json()
        rows += len(body["results"])
        url = body["next"] and body["next"].removeprefix("http://testserver")
    assert rows == len(expected)


def test_rows_read_as_values_equal_the_rows_of_instances(staff, variety):
    """``petition_list_rows`` (one statement, JSON sub-selects) and ``summary_row`` of an instance
    give the same values, to the microsecond."""
    filters = QueryDict("open=unknown")
    page, _filterset = selectors.petition_list_rows(user=staff, filters=filters, size=50)
    instances, _filterset = selectors.petition_list(user=staff, filters=filters, size=50)
    assert len(page.items) == len(variety)
    assert page.items == [selectors.summary_row(petition) for petition in instances.items]
    by_id = {row.id: row for row in page.items}
    assert by_id[variety["replied"].pk].deadlines == [] and by_id[variety["new"].pk].unit is None
    assert by_id[variety["claimed"].pk].deadlines[0].due_at.microsecond == 120000


def test_the_list_builds_no_petitions_or_deadlines(staff, variety, monkeypatch):
    built = []

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        Model.__init__(self, *args, **kwargs)

    monkeypatch.setattr(Petition, "__init__", counting)
    monkeypatch.setattr(Deadline, "__init__", counting)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    assert len(client.get(LIST, {"open": "unknown"}).json()["results"]) == len(variety)
    assert built == []


def test_an_empty_or_invalid_query_answers_as_before(staff, variety):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    assert client.get(LIST, {"status": "closed"}).json() == {"results": [], "next": None}
    response = client.get(LIST, {"status": "nope", "open": "maybe"})
    assert response.status_code == 400
    assert set(response.json()) >= {"status"}


# --- The FilterSet -----------------------------------------------------------------------------------


class LibraryPetitionFilter(PetitionFilter):
    """``PetitionFilter`` as django-filter constructs it: every filter deep-copied for each instance
    and a new form class, with new fields, each time."""

    __init__ = django_filters.FilterSet.__init__
    get_form_class = django_filters.FilterSet.get_form_class


FILTER_QUERIES = {
    "none": "",
    "defaults": "open=true",
    "chosen": (
        "status=new&status=waiting&klass=general&category=water&channel=phone&unit={unit}&region={region}"
        "&unclaimed=false&escalated=false&filed_from=2026-01-02&filed_to=2026-12-31&q=zh%3Cx%3E&rated=good"
        "&first_time=false&on_time=true&no_unit=false&reworked=false&sort=due"
    ),
    "invalid": "status=nope&category=nope&filed_from=bad&open=maybe&region=99999999&unit=abc&sort=sideways",
}


def _errors(filterset) -> dict:
    return {name: [str(error) for error in errors] for name, errors in filterset.errors.items()}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("case", list(FILTER_QUERIES))
@pytest.mark.parametrize("ours_class", [PetitionFilter, ReadOnlyPetitionFilter])
def test_the_filterset_validates_filters_and_draws_as_django_filter_does(tree, variety, language, case, ours_class):
    query = QueryDict(FILTER_QUERIES[case].format(unit=tree.unit_a.pk, region=tree.community_a.pk))
    with translation.override(language):
        ours = ours_class(query, queryset=Petition.objects.all())
        library = LibraryPetitionFilter(query, queryset=Petition.objects.all())
        assert ours.is_valid() == library.is_valid() == (case != "invalid")
        assert _errors(ours) == _errors(library)
        assert ours.ordering == library.ordering
        assert str(ours.form) == str(library.form)  # labels, choices, selection, attributes, errors
        if case != "invalid":
            assert ours.form.cleaned_data == library.form.cleaned_data
            assert str(ours.qs.query) == str(library.qs.query)
            assert list(ours.qs) == list(library.qs)
    if case == "invalid":
        assert set(_errors(ours)) == {"status", "category", "filed_from", "region", "unit", "sort"}


def test_the_status_filter_needs_no_distinct(tree, variety):
    """No filter joins a row that could repeat an item, so the queue's statement has no DISTINCT
    (which made PostgreSQL sort every matching row before the page's LIMIT)."""
    filterset = PetitionFilter(QueryDict("status=new&status=assigned&status=waiting"), queryset=Petition.objects.all())
    assert "DISTINCT" not in str(filterset.qs.query)
    assert sorted(filterset.qs.values_list("pk", flat=True)) == sorted(
        Petition.objects.filter(status__in=["new", "assigned", "waiting"]).values_list("pk", flat=True)
    )


def test_filtersets_share_no_state(tree, variety):
    def filterset(query: str) -> PetitionFilter:
        return PetitionFilter(QueryDict(query), queryset=Petition.objects.all())

    general, routine = filterset("klass=general&unclaimed=true"), filterset("klass=routine&unclaimed=true")
    assert all(general.filters[name] is not routine.filters[name] for name in general.filters)
    assert all(f.parent is general for f in general.filters.values())
    assert {p.klass for p in general.qs} == {Klass.GENERAL} and {p.klass for p in routine.qs} == {Klass.ROUTINE}
    # One form class for all; each form has fields of its own, which a page may adjust.
    assert type(general.form) is type(routine.form)
    general.form.fields["region"].queryset = Region.objects.none()
    general.form.fields["klass"].widget.attrs["class"] = "form-select"
    later = filterset("")
    assert later.form.fields["region"].queryset.count() == Region.objects.count()
    assert "class" not in later.form.fields["klass"].widget.attrs
    assert not hasattr(PetitionFilter.base_filters["klass"], "parent")  # the declared filters stay unbound
    # The read-only filterset (the API list) validates with fields every form shares, not copies.
    reading = [ReadOnlyPetitionFilter(QueryDict(q), queryset=Petition.objects.all()) for q in ("klass=general", "")]
    assert reading[0].is_valid() and reading[1].is_valid()
    assert reading[0].form.fields["klass"] is reading[1].form.fields["klass"]
    assert general.form.fields["klass"] is not routine.form.fields["klass"]
    assert type(reading[0].form) is not type(general.form)
    # A subclass builds its own form class.
    assert type(LibraryPetitionFilter(QueryDict(""), queryset=Petition.objects.none()).form) is not type(later.form)


def _every_filter(tree, variety) -> list[str]:
    """A query for each filter of ``PetitionFilter`` (and each sort), matching some rows and not others."""
    return [
        "status=new&status=waiting",
        "open=true",
        "open=false",
        f"klass={Klass.GENERAL}",
        "category=water",
        "channel=web",
        f"region={tree.grid_a.pk}",
        f"unit={tree.unit_a.pk}",
        "overdue=true",
        "overdue=false",
        "due_soon=true",
        "escalated=false",
        "unclaimed=true",
        "filed_from=2026-01-01",
        "filed_to=2099-12-31",
        "no_unit=true",
        "first_time=true",
        "on_time=false",
        "reworked=false",
        "rated=none",
        "rated=good",
        f"q={variety['routed'].tracking_code.lower()}",
        "sort=oldest",
        "sort=due&open=unknown",
        "klass=not-a-class",  # invalid: no rows
    ]


def test_every_filter_lists_what_the_orm_lists(tree, staff, variety):
    """The list's statement is SQL around the WHERE clause the ORM compiles from the scope and the
    FilterSet (``core.pagination.keyset_page_sql``): for every filter, and page by page, the rows are
    those the ORM's own query gives (``petition_list``)."""
    queries = _every_filter(tree, variety)
    named = {part.split("=")[0] for query in queries for part in query.split("&")}
    assert named >= set(PetitionFilter.base_filters), "a filter without a query here"
    lists = set()
    for query in queries:
        filters, cursor, seen = QueryDict(query), None, []
        expected = [p.pk for p in selectors.petition_list(user=staff, filters=filters, size=100)[0].items]
        while True:
            page, _filterset = selectors.petition_list_rows(user=staff, filters=filters, cursor=cursor, size=2)
            seen += [row.id for row in page.items]
            if not page.has_more:
                break
            cursor = page.next_cursor
        assert seen == expected, query
        lists.add(tuple(seen))
    assert len(lists) >= 12  # the filters tell the rows apart
