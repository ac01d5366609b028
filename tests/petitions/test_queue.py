"""The staff triage queue: scoping, filters, sorting, keyset pages, query counts, claiming, bulk."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grids import services as grid_services
from grids.roles import Role
from petitions import services
from petitions.models import Category, Channel, Deadline, Klass, Petition, Status
from petitions.views import queue as queue_views
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db

QUEUE = reverse("petitions:queue")
# Queries of one queue page, whatever the page, the filters or the number of rows: session, user,
# role assignments, the OTP device check, the unread-notification badge, the page's keys (one index
# scan), its rows with their category, region, unit and claimer, and their running deadlines.
QUEUE_QUERIES = 8
# Each model-choice filter in the query (category, region) adds its one validation lookup.
QUEUE_QUERIES_WITH_THREE_FILTERS = QUEUE_QUERIES + 2
# Drawing the filter form (regions, categories, units) and the bulk form (units), kept drawn in the
# cache for the same query, scope and language until the choice lists change.
FILTER_FORM_QUERIES = 3
BULK_FORM_QUERIES = 1


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def codes(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return re.findall(r'data-testid="queue-row" data-code="(\w+)"', response.content.decode())


def next_link(response) -> str | None:
    match = re.search(r'href="([^"]+)" rel="next"', response.content.decode())
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def street_staff(tree):
    return grid_factories.user(username="street_a_staff", role=Role.STREET_STAFF, region=tree.street_a)


@pytest.fixture
def other_street_staff(tree):
    return grid_factories.user(username="street_b_staff", role=Role.STREET_STAFF, region=tree.street_b)


def test_street_staff_see_only_their_street(tree, street_staff, other_street_staff):
    in_a = [factories.petition(region=tree.grid_a).tracking_code for _ in range(3)]
    in_b = [factories.petition(region=tree.grid_b).tracking_code for _ in range(2)]
    assert sorted(codes(client_for(street_staff).get(QUEUE))) == sorted(in_a)
    assert sorted(codes(client_for(other_street_staff).get(QUEUE))) == sorted(in_b)
    # A filter can never widen the scope: asking for the other street's region shows nothing.
    assert codes(client_for(street_staff).get(QUEUE, {"region": tree.street_b.pk})) == []
    assert codes(client_for(street_staff).get(QUEUE, {"q": in_b[0]})) == []


def test_handler_sees_only_its_units_items_and_residents_get_404(tree, street_staff):
    handler = grid_factories.user(role=Role.HANDLER, region=tree.street_a, unit=tree.unit_a)
    routed = factories.petition(region=tree.grid_a)
    services.petition_triage(user=street_staff, petition=routed, klass=Klass.GENERAL, unit=tree.unit_a)
    factories.petition(region=tree.grid_a)  # not routed: not the unit's business
    assert codes(client_for(handler).get(QUEUE)) == [routed.tracking_code]
    html_text = client_for(handler).get(QUEUE).content.decode()
    assert "Claim next" not in html_text and 'id="bulk-form"' not in html_text
    resident = grid_factories.user(role=Role.RESIDENT, region=tree.compound_a)
    assert client_for(resident).get(QUEUE).status_code == 404
    assert client_for(grid_factories.user()).get(QUEUE).status_code == 404


def test_rows_show_masked_personal_data_and_the_nearest_deadline(tree, street_staff):
    petition = factories.petition(region=tree.grid_a, phone="13912345678", reporter_name="陈秀英")
    page = client_for(street_staff).get(QUEUE).content.decode()
    assert "139****5678" in page and "陈*" in page
    assert "13912345678" not in page and "陈秀英" not in page
    row = page.split(f'data-code="{petition.tracking_code}"')[1].split("</tr>")[0]
    for expected in (petition.title, "Roads and pavements", "网格A", "Awaiting triage", "Triage"):
        assert expected in row, expected
    Deadline.objects.filter(petition=petition).update(due_at=timezone.now() - dt.timedelta(hours=1))
    row = client_for(street_staff).get(QUEUE).content.decode().split(f'data-code="{petition.tracking_code}"')[1]
    assert "Overdue" in row.split("</tr>")[0]


@pytest.fixture
def spread(tree, street_staff):
    """Items that each differ from the rest in one filtered property."""
    community_2 = grid_factories.region(parent=tree.street_a, name="后大街社区")
    unit_2 = grid_factories.unit(regions=[tree.street_a], name="招宝山派出所", kind="police")
    p = {}
    p["plain"] = factories.petition(region=tree.grid_a)
    p["water"] = factories.petition(region=tree.grid_a, code="water")
    p["phone"] = factories.petition(region=tree.grid_a, channel=Channel.PHONE)
    p["elsewhere"] = factories.petition(region=community_2)
    p["general_a"] = services.petition_triage(
        user=street_staff, petition=factories.petition(region=tree.grid_a), klass=Klass.GENERAL, unit=tree.unit_a
    )
    p["major_2"] = services.petition_triage(
        user=street_staff, petition=factories.petition(region=tree.grid_a), klass=Klass.MAJOR, unit=unit_2
    )
    p["replied"] = factories.petition(region=tree.grid_a, solved_on_spot=True, on_spot_note="当场修好")
    p["overdue"] = factories.petition(region=tree.grid_a)
    Deadline.objects.filter(petition=p["overdue"]).update(due_at=timezone.now() - dt.timedelta(hours=2))
    p["soon"] = factories.petition(region=tree.grid_a)
    Deadline.objects.filter(petition=p["soon"]).update(due_at=timezone.now() + dt.timedelta(hours=2))
    p["escalated"] = factories.petition(region=tree.grid_a)
    Petition.objects.filter(pk=p["escalated"].pk).update(escalation_count=1)
    p["claimed"] = services.petition_claim(user=street_staff, petition=factories.petition(region=tree.grid_a))
    # Everything else is due in the future, beyond a day.
    Deadline.objects.exclude(petition__in=[p["overdue"], p["soon"]]).update(
        due_at=timezone.now() + dt.timedelta(days=3)
    )
    return {k: v.tracking_code for k, v in p.items()}, community_2, unit_2


def test_each_filter_narrows_the_queue(tree, street_staff, spread):
    p, community_2, unit_2 = spread
    client = client_for(street_staff)

    def shown(**params):
        return set(codes(client.get(QUEUE, params)))

    everything = shown(open="unknown")
    assert everything == set(p.values())
    open_items = everything - {p["replied"]}
    assert shown(open="true") == open_items
    assert shown() == open_items  # the queue shows open items unless asked otherwise
    assert shown(sort="oldest") == open_items
    assert shown(open="false") == {p["replied"]}
    assert shown(status="assigned") == {p["general_a"], p["major_2"]}
    assert shown(status=["assigned", "replied"]) == {p["general_a"], p["major_2"], p["replied"]}
    assert shown(klass="major") == {p["major_2"]}
    assert shown(category="water") == {p["water"]}
    assert shown(channel="phone") == {p["phone"]}
    assert shown(region=community_2.pk) == {p["elsewhere"]}
    assert shown(region=tree.community_a.pk) == open_items - {p["elsewhere"]}
    assert shown(unit=unit_2.pk) == {p["major_2"]}
    assert shown(overdue="true") == {p["overdue"]}
    assert shown(due_soon="true") == {p["soon"]}
    assert shown(escalated="true") == {p["escalated"]}
    assert shown(unclaimed="true") == open_items - {p["claimed"]}
    assert shown(q=p["water"].lower()) == {p["water"]}
    assert shown(q=p["replied"]) == {p["replied"]}  # a tracking code finds closed items too
    assert shown(category="water", channel="phone") == set()


def test_sort_orders(tree, street_staff):
    made = [factories.petition(region=tree.grid_a) for _ in range(4)]
    due = [timezone.now() + dt.timedelta(days=d) for d in (3, 1, 4, 2)]
    for petition, at in zip(made, due, strict=True):
        Petition.objects.filter(pk=petition.pk).update(next_due_at=at)
    by_id = [p.tracking_code for p in made]
    client = client_for(street_staff)
    assert codes(client.get(QUEUE, {"sort": "newest"})) == by_id[::-1]
    assert codes(client.get(QUEUE, {"sort": "oldest"})) == by_id
    assert codes(client.get(QUEUE, {"sort": "due"})) == [by_id[1], by_id[3], by_id[0], by_id[2]]


@pytest.mark.parametrize("sort", ["newest", "oldest", "due"])
def test_keyset_pages_neither_overlap_nor_skip(tree, street_staff, monkeypatch, sort):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 4)
    made = [factories.petition(region=tree.grid_a) for _ in range(11)]
    for i, petition in enumerate(made):  # ties on the due time are broken by id
        Petition.objects.filter(pk=petition.pk).update(next_due_at=timezone.now() + dt.timedelta(hours=i % 3))
    client = client_for(street_staff)
    response = client.get(QUEUE, {"sort": sort, "open": "true"})
    pages = [codes(response)]
    while link := next_link(response):
        assert "open=true" in link and f"sort={sort}" in link
        response = client.get(link)
        pages.append(codes(response))
    assert [len(page) for page in pages] == [4, 4, 3]
    seen = [code for page in pages for code in page]
    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == {p.tracking_code for p in made}


def test_load_more_returns_only_the_next_rows(tree, street_staff, monkeypatch):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 2)
    made = [factories.petition(region=tree.grid_a) for _ in range(3)]
    client = client_for(street_staff)
    first = client.get(QUEUE)
    assert 'hx-get="/petitions/?' in first.content.decode()
    more = client.get(next_link(first), HTTP_HX_REQUEST="true")
    body = more.content.decode()
    assert "<html" not in body and "<tr" in body
    assert codes(more) == [made[0].tracking_code]
    assert next_link(more) is None


def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_query_count_is_fixed_whatever_the_page_or_filter(tree, street_staff, monkeypatch):
    client = client_for(street_staff)
    factories.petition(region=tree.grid_a)
    plain = {"open": "true"}
    three = {"category": "road", "region": tree.street_a.pk, "channel": Channel.WEB}
    # The first page draws both forms; a new query draws its filter form once.
    assert _count(client, QUEUE, plain) == QUEUE_QUERIES + FILTER_FORM_QUERIES + BULK_FORM_QUERIES
    assert _count(client, QUEUE, plain) == QUEUE_QUERIES
    assert _count(client, QUEUE, three) == QUEUE_QUERIES_WITH_THREE_FILTERS + FILTER_FORM_QUERIES
    assert _count(client, QUEUE, three) == QUEUE_QUERIES_WITH_THREE_FILTERS
    for _ in range(39):
        factories.petition(region=tree.grid_a)
    assert _count(client, QUEUE, plain) == QUEUE_QUERIES
    assert _count(client, QUEUE, three) == QUEUE_QUERIES_WITH_THREE_FILTERS
    Petition.objects.update(next_due_at=timezone.now() + dt.timedelta(days=5))  # the due sort needs one
    more = {**three, "sort": "due", "overdue": "false", "status": "new"}
    _count(client, QUEUE, more)
    assert _count(client, QUEUE, more) == QUEUE_QUERIES_WITH_THREE_FILTERS
    # An empty page: no rows or deadlines to read for it.
    closed = {**three, "status": "closed"}
    _count(client, QUEUE, closed)
    assert _count(client, QUEUE, closed) == QUEUE_QUERIES_WITH_THREE_FILTERS - 2
    deep = next_link(client.get(QUEUE, three)).split("?", 1)[1]
    assert "cursor=" in deep
    assert _count(client, f"{QUEUE}?{deep}", {}) == QUEUE_QUERIES_WITH_THREE_FILTERS
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 3)
    page = client.get(QUEUE, three)
    for _ in range(5):  # deeper and deeper pages cost the same
        page = client.get(next_link(page))
    deepest = next_link(page).split("?", 1)[1]
    assert _count(client, f"{QUEUE}?{deepest}", {}) == QUEUE_QUERIES_WITH_THREE_FILTERS


def test_the_forms_are_drawn_again_when_a_choice_list_changes(tree, street_staff):
    client = client_for(street_staff)
    assert "Fallen tree" not in client.get(QUEUE).content.decode()
    services.category_save(category=Category(code="tree_fall", name_zh="树木倒伏", name_en="Fallen tree"))
    assert "Fallen tree" in client.get(QUEUE).content.decode()
    grid_services.unit_create(name="新单位", code="U-NEW", kind="housing", regions=[tree.community_a])
    page = client.get(QUEUE).content.decode()
    assert page.count("新单位") == 2  # the unit filter and the bulk form's unit


def test_claiming_twice_the_second_user_is_told_someone_else_has_it(tree, street_staff):
    petition = factories.petition(region=tree.grid_a)
    colleague = grid_factories.user(role=Role.COMMUNITY_STAFF, region=tree.community_a)
    url = reverse("petitions:act", kwargs={"pk": petition.pk, "action": "claim"})
    response = client_for(street_staff).post(url, {"next": f"{QUEUE}?open=true"})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?open=true"
    response = client_for(colleague).post(url)
    assert response.status_code == 409
    assert "Someone else is working on this item." in response.content.decode()
    petition.refresh_from_db()
    assert petition.claimed_by == street_staff
    row = client_for(colleague).get(QUEUE).content.decode().split(f'data-code="{petition.tracking_code}"')[1]
    assert str(street_staff) in row.split("</tr>")[0]


def test_claim_next_takes_the_oldest_unclaimed_item_in_the_filtered_queue(tree, street_staff):
    colleague = grid_factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    first, second = factories.petition(region=tree.grid_a), factories.petition(region=tree.grid_a)
    factories.petition(region=tree.grid_a, code="water")
    url = reverse("petitions:claim_next") + "?category=road"
    response = client_for(street_staff).post(url)
    assert response["Location"] == reverse("petitions:detail", kwargs={"pk": first.pk})
    response = client_for(colleague).post(url)
    assert response["Location"] == reverse("petitions:detail", kwargs={"pk": second.pk})
    response = client_for(colleague).post(url, follow=True)
    assert "Nothing is waiting to be claimed." in response.content.decode()
    assert response.redirect_chain[-1][0] == f"{QUEUE}?category=road"
    assert Petition.objects.get(pk=first.pk).claimed_by == street_staff
    assert Petition.objects.get(pk=second.pk).claimed_by == colleague


def test_bulk_route_reports_each_item_that_failed(tree, street_staff):
    new = [factories.petition(region=tree.grid_a) for _ in range(2)]
    routed = services.petition_triage(
        user=street_staff, petition=factories.petition(region=tree.grid_a), klass=Klass.GENERAL, unit=tree.unit_a
    )
    foreign = factories.petition(region=tree.grid_b)
    unserved = factories.petition(region=grid_factories.region(parent=tree.street_a, name="后大街社区"))
    ids = [new[0].pk, routed.pk, foreign.pk, unserved.pk, new[1].pk]
    response = client_for(street_staff).post(
        reverse("petitions:bulk") + "?open=true",
        {"operation": "route", "ids": ids, "klass": Klass.ROUTINE, "unit": tree.unit_a.pk},
        follow=True,
    )
    assert response.redirect_chain[-1] == (f"{QUEUE}?open=true", 302)
    page = response.content.decode()
    assert "2 items done." in page
    assert f"{routed.tracking_code}: This item is “Routed, awaiting acceptance”" in html.unescape(page)
    assert f"Item #{foreign.pk}: not found in your scope." in page
    assert foreign.tracking_code not in page
    assert f"{unserved.tracking_code}: This unit does not serve the item's region." in html.unescape(page)
    assert Petition.objects.get(pk=unserved.pk).status == Status.NEW
    for petition in new:
        petition.refresh_from_db()
        assert (petition.status, petition.klass, petition.unit) == (Status.ASSIGNED, Klass.ROUTINE, tree.unit_a)
    foreign.refresh_from_db()
    assert foreign.status == Status.NEW


def test_bulk_reply_with_an_edited_template(tree, street_staff):
    accepted = []
    for _ in range(2):
        p = factories.petition(region=tree.grid_a)
        services.petition_triage(user=street_staff, petition=p, klass=Klass.GENERAL, unit=tree.unit_a)
        accepted.append(services.petition_accept(user=street_staff, petition=p))
    waiting = factories.petition(region=tree.grid_a)
    client = client_for(street_staff)
    page = client.get(QUEUE).content.decode()
    assert 'data-text="Hello, the problem you reported has been dealt with.' in page
    response = client.post(
        reverse("petitions:bulk"),
        {
            "operation": "reply",
            "ids": [p.pk for p in [*accepted, waiting]],
            "template": "resolved",
            "reply": "已修好。",
        },
        follow=True,
    )
    text = html.unescape(response.content.decode())
    assert "2 items done." in text
    assert f"{waiting.tracking_code}: This item is “Awaiting triage”" in text
    for petition in accepted:
        petition.refresh_from_db()
        assert petition.status == Status.REPLIED and petition.reply == "已修好。"


def test_bulk_without_a_selection_or_unit_is_a_400_with_the_reason(tree, street_staff):
    factories.petition(region=tree.grid_a)
    client = client_for(street_staff)
    response = client.post(reverse("petitions:bulk"), {"operation": "route", "klass": "general"})
    assert response.status_code == 400
    assert "Select at least one item in the list." in response.content.decode()
    petition = factories.petition(region=tree.grid_a)
    response = client.post(reverse("petitions:bulk"), {"operation": "route", "ids": [petition.pk], "klass": "general"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose an active handling unit." in page
    assert re.search(rf'value="{petition.pk}" form="bulk-form" id="select-{petition.pk}"[^>]* checked', page)


def test_bulk_is_refused_to_viewers_who_may_not_triage(tree):
    evaluator = grid_factories.user(role=Role.EVALUATOR, region=tree.district)
    petition = factories.petition(region=tree.grid_a)
    response = client_for(evaluator).post(
        reverse("petitions:bulk"), {"operation": "route", "ids": [petition.pk], "klass": "general"}
    )
    assert response.status_code == 403
    assert client_for(evaluator).post(reverse("petitions:claim_next")).status_code == 403


def test_an_invalid_filter_shows_nothing_and_says_so(tree, street_staff):
    factories.petition(region=tree.grid_a)
    response = client_for(street_staff).get(QUEUE, {"category": "no-such-category", "cursor": "garbage"})
    assert codes(response) == []
    assert "Some filters are not valid; correct them to see the list." in response.content.decode()
