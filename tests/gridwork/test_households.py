"""The household register (CSV import), household visits (入户走访) and the visit rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from gridwork import selectors, services
from gridwork.models import Household, Visit
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db

REGISTER = (
    "幢,单元,室,户主,电话,人数,网格编码\n1,1,101,王建国,13912340001,3,{grid}\n1,1,102,李秀兰,,2,\n2,,201,张伟,,1,\n"
)


@pytest.fixture
def staff(tree):
    return grid_factories.user(username="li", role="community_staff", region=tree.community_a)


def _import(staff, tree, text=None):
    return services.household_import(
        user=staff, compound=tree.compound_a, text=text or REGISTER.format(grid=tree.grid_a.code)
    )


def test_a_register_is_imported_and_a_second_import_updates(tree, staff):
    assert _import(staff, tree) == services.ImportResult(created=3, updated=0)
    first = Household.objects.get(building="1", room="101")
    assert (first.grid, first.region_path, first.phone, first.members) == (
        tree.grid_a,
        tree.grid_a.path,
        "13912340001",
        3,
    )
    assert Household.objects.get(room="201").region_path == tree.compound_a.path
    again = "building,unit,room,head_name,members\n1,1,101,王建国,4\n3,1,301,赵敏,2\n"
    assert _import(staff, tree, again) == services.ImportResult(created=1, updated=1)
    assert Household.objects.get(room="101").members == 4 and Household.objects.count() == 4


@pytest.mark.parametrize(
    "text",
    [
        "幢,室\n1,\n",  # no room
        "幢,室,电话\n1,101,12345\n",  # not a mobile number
        "幢,室,人数\n1,101,99\n",  # members out of range
        "幢,室,网格编码\n1,101,NOPE\n",  # grid not in the compound
        "name,phone\n王,139\n",  # no building / room columns
        "幢,室\n",  # no rows
    ],
)
def test_a_bad_file_imports_nothing_and_names_the_problem(tree, staff, text):
    with pytest.raises(DomainError) as refused:
        _import(staff, tree, text)
    assert refused.value.field == "file" and refused.value.message
    assert not Household.objects.exists()


def test_only_compounds_in_scope_can_be_imported(tree, staff):
    with pytest.raises(DomainError):
        services.household_import(user=staff, compound=tree.compound_b, text="幢,室\n1,101\n")
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    with pytest.raises(DomainError):
        services.household_import(user=leader, compound=tree.compound_a, text="幢,室\n1,101\n")


def test_visits_and_the_visit_rate_by_hand(tree, staff):
    _import(staff, tree)
    a, b, c = Household.objects.order_by("room")
    today = timezone.localdate()
    services.visit_record(user=staff, household=a, visited_on=today, outcome="独居老人，身体尚好")
    services.visit_record(user=staff, household=a, visited_on=today - dt.timedelta(days=1), outcome="再访")
    services.visit_record(user=staff, household=b, visited_on=today - dt.timedelta(days=40), outcome="上月")
    rate = selectors.visit_rate(Household.objects.all(), date_from=today - dt.timedelta(days=7), date_to=today)
    assert (rate.visited, rate.households, rate.percent) == (1, 3, 33.3)  # a twice counts once; b outside
    rate = selectors.visit_rate(Household.objects.all(), date_from=today - dt.timedelta(days=60), date_to=today)
    assert (rate.visited, rate.households, rate.percent) == (2, 3, 66.7)
    empty = selectors.visit_rate(Household.objects.none(), date_from=today, date_to=today)
    assert empty.percent is None


def test_visit_rules(tree, staff):
    _import(staff, tree)
    household = Household.objects.get(room="101")  # in grid A
    for change, field in [
        ({"visited_on": timezone.localdate() + dt.timedelta(days=1)}, "visited_on"),
        ({"outcome": " "}, "outcome"),
        ({"purpose": "party"}, "purpose"),
    ]:
        values = {"household": household, "visited_on": timezone.localdate(), "outcome": "好", **change}
        with pytest.raises(DomainError) as refused:
            services.visit_record(user=staff, **values)
        assert refused.value.field == field
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    assert services.visit_record(user=leader, household=household, visited_on=timezone.localdate(), outcome="好")
    neighbour = grid_factories.user(role="grid_leader", region=tree.grid_a2)
    with pytest.raises(DomainError) as refused:
        services.visit_record(user=neighbour, household=household, visited_on=timezone.localdate(), outcome="好")
    assert refused.value.field == "household"
    assert Visit.objects.count() == 1


def test_pages_import_list_with_the_rate_and_record_a_visit(client, tree, staff):
    client.force_login(staff)
    upload = SimpleUploadedFile("register.csv", ("\ufeff" + REGISTER.format(grid=tree.grid_a.code)).encode())
    response = client.post(reverse("gridwork:household_import"), {"compound": tree.compound_a.pk, "file": upload})
    assert response.status_code == 200 and 'data-testid="import-result"' in response.content.decode()
    bad = SimpleUploadedFile("register.csv", "幢,室,电话\n1,101,123\n".encode())
    refused = client.post(reverse("gridwork:household_import"), {"compound": tree.compound_a.pk, "file": bad})
    assert refused.status_code == 400 and "123" in refused.content.decode()
    household = Household.objects.get(room="101")
    url = reverse("gridwork:visit_new", kwargs={"pk": household.pk})
    typed = {"visited_on": timezone.localdate().isoformat(), "purpose": "care", "outcome": ""}
    empty = client.post(url, typed)
    assert empty.status_code == 400
    typed["outcome"] = "送去慰问品"
    assert client.post(url, typed).status_code == 302
    listing = client.get(reverse("gridwork:household_list"))
    rate = listing.context["rate"]
    assert (rate.visited, rate.households) == (1, 3)
    assert "王**" in listing.content.decode() and "王建国" not in listing.content.decode()


def test_a_household_outside_scope_is_not_found(client, tree, staff):
    other = grid_factories.user(role="community_staff", region=tree.community_b)
    services.household_import(user=other, compound=tree.compound_b, text="幢,室\n9,901\n")
    household = Household.objects.get()
    client.force_login(staff)
    assert client.get(reverse("gridwork:household_detail", kwargs={"pk": household.pk})).status_code == 404
    assert client.post(reverse("gridwork:visit_new", kwargs={"pk": household.pk}), {}).status_code == 404
    assert client.get(reverse("gridwork:household_list")).context["rate"].households == 0


def test_the_register_list_costs_fixed_queries(client, tree, staff, django_assert_num_queries):
    client.force_login(staff)
    _import(staff, tree)
    url = reverse("gridwork:household_list")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200
    rows = "\n".join(f"5,1,{room}" for room in range(100, 140))
    services.household_import(user=staff, compound=tree.compound_a, text=f"幢,单元,室\n{rows}\n")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).context["page"].has_more


LIST_QUERIES = 9
