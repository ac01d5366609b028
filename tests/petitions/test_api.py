"""The petitions REST API: scoping, every transition endpoint, errors, paging, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import PersonalDataReveal
from petitions import services
from petitions.models import Category, Channel, Deadline, Evaluation, Klass, Petition, Status
from petitions.serializers import ListParams
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db

LIST = reverse("petitions_api:petition_list")
EVALUATE = reverse("petitions_api:evaluation")


def detail_url(petition) -> str:
    return reverse("petitions_api:petition_detail", kwargs={"pk": petition.pk})


def action_url(petition, action: str) -> str:
    return reverse(f"petitions_api:petition_{action}", kwargs={"pk": petition.pk})


def client_for(user=None, **extra) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", **extra)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people(tree):
    """Staff of both streets and the other roles, bound like the authorization matrix."""

    def make(role, region, **extra):
        return grid_factories.user(role=role, region=region, **extra)

    return {
        "street_a": make("street_staff", tree.street_a),
        "street_b": make("street_staff", tree.street_b),
        "community_a": make("community_staff", tree.community_a),
        "grid_leader": make("grid_leader", tree.grid_a),
        "handler": make("handler", tree.street_a, unit=tree.unit_a),
        "evaluator": make("evaluator", tree.district),
        "resident": make("resident", tree.compound_a, phone="13800138000"),
        "no_role": grid_factories.user(),
    }


def routed(tree, staff, *, klass=Klass.GENERAL, **extra):
    petition = factories.petition(region=tree.grid_a, **extra)
    return services.petition_triage(user=staff, petition=petition, klass=klass, unit=tree.unit_a)


def replied(tree, staff, **extra):
    petition = routed(tree, staff, **extra)
    petition = services.petition_accept(user=staff, petition=petition)
    return services.petition_reply(user=staff, petition=petition, reply="已修复")


def token_body(petition, rating="satisfied", comment=""):
    return {
        "code": petition.tracking_code,
        "token": services.evaluation_token(petition),
        "rating": rating,
        "comment": comment,
    }


# --- List --------------------------------------------------------------------------------------------


def test_list_is_scoped_masked_and_paged(tree, people):
    mine = [factories.petition(region=tree.grid_a, phone="13912345678") for _ in range(3)]
    factories.petition(region=tree.grid_b)
    response = client_for(people["street_a"]).get(LIST, {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [mine[2].pk, mine[1].pk]
    row = body["results"][0]
    assert row["tracking_code"] == mine[2].tracking_code
    assert row["personal"] == {"name": "陈**", "phone": "139****5678", "address": ""}
    assert "13912345678" not in response.content.decode()
    assert row["url"].endswith(detail_url(mine[2]))
    assert row["category"]["code"] == "road" and row["region"]["id"] == tree.grid_a.pk
    assert [d["kind"] for d in row["deadlines"]] == ["triage"]
    assert body["next"].startswith("http://testserver/api/v1/petitions/?")
    assert "page_size=2" in body["next"] and f"cursor={mine[1].pk}" in body["next"]

    second = client_for(people["street_a"]).get(body["next"]).json()
    assert [row["id"] for row in second["results"]] == [mine[0].pk]
    assert second["next"] is None


def test_list_of_another_street_and_of_people_without_scope_is_empty(tree, people):
    factories.petition(region=tree.grid_a)
    for who in ("street_b", "resident", "no_role"):
        response = client_for(people[who]).get(LIST)
        assert response.status_code == 200
        assert response.json() == {"results": [], "next": None}
    assert client_for().get(LIST).status_code == 401


def test_handler_lists_only_items_routed_to_its_unit(tree, people):
    mine = routed(tree, people["street_a"])
    factories.petition(region=tree.grid_a)  # not routed yet: the unit does not see it
    body = client_for(people["handler"]).get(LIST).json()
    assert [row["id"] for row in body["results"]] == [mine.pk]


def test_list_filters_with_the_queue_filterset(tree, people):
    staff = people["street_a"]
    new = factories.petition(region=tree.grid_a, code="road")
    routed_item = routed(tree, staff)
    other_category = factories.petition(region=tree.grid_a, code=_other_category_code())
    in_community_b = factories.petition(region=tree.grid_b)
    Deadline.objects.filter(petition=routed_item, kind=Deadline.Kind.ACCEPT).update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )
    district = grid_factories.user(role="district_staff", region=tree.district)
    client = client_for(district)

    def ids(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {new.pk, routed_item.pk, other_category.pk, in_community_b.pk}
    assert ids(status="assigned") == {routed_item.pk}
    assert ids(category="road") == {new.pk, routed_item.pk, in_community_b.pk}
    assert ids(region=tree.street_b.pk) == {in_community_b.pk}
    assert ids(unit=tree.unit_a.pk) == {routed_item.pk}
    assert ids(overdue="true") == {routed_item.pk}
    assert ids(klass="general") == {routed_item.pk}
    assert ids(q=new.tracking_code.lower()) == {new.pk}
    assert ids(channel=Channel.GRID) == set()
    assert ids(open="true", unclaimed="true") == {new.pk, routed_item.pk, other_category.pk, in_community_b.pk}
    # A region filter narrows inside the scope; it never widens it. A region outside the scope is
    # refused exactly like one that does not exist: nothing of it is named.
    outside = client_for(staff).get(LIST, {"region": tree.street_b.pk})
    missing = client_for(staff).get(LIST, {"region": 999999})
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["region"] == [m.replace("999999", str(tree.street_b.pk)) for m in missing.json()["region"]]
    assert tree.street_b.name not in outside.content.decode()


def _other_category_code() -> str:
    from petitions.models import Category

    return Category.objects.filter(is_active=True).exclude(code="road").values_list("code", flat=True).first()


def test_bad_filter_values_are_field_errors(tree, people):
    client = client_for(people["street_a"])
    response = client.get(LIST, {"status": "bogus", "category": "no-such-category", "region": 999999})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "category", "region"}


@pytest.mark.parametrize("cursor", ["abc", "-", "1|2|3", "2024-13-45|x", "\u4e2d", "1.5", "\x00", "1" * 500])
def test_a_bad_cursor_gives_the_first_page(tree, people, cursor):
    first = factories.petition(region=tree.grid_a)
    for sort in ("newest", "oldest", "due"):
        response = client_for(people["street_a"]).get(LIST, {"cursor": cursor, "sort": sort})
        assert response.status_code == 200, (sort, response.content)
        # An untriaged item is in the "due" order too: its triage deadline runs.
        assert [row["id"] for row in response.json()["results"]] == [first.pk]


def test_a_cursor_beyond_any_id_is_not_an_error(tree, people):
    first = factories.petition(region=tree.grid_a)
    client = client_for(people["street_a"])
    newest = client.get(LIST, {"cursor": "9" * 18})
    assert newest.status_code == 200 and [row["id"] for row in newest.json()["results"]] == [first.pk]
    oldest = client.get(LIST, {"cursor": "9" * 18, "sort": "oldest"})
    assert oldest.status_code == 200 and oldest.json() == {"results": [], "next": None}
    # Beyond any integer the database holds: malformed, so the first page.
    beyond = client.get(LIST, {"cursor": "9" * 30, "sort": "oldest"})
    assert beyond.status_code == 200 and [row["id"] for row in beyond.json()["results"]] == [first.pk]


def test_page_size_is_bounded():
    def size(raw):
        params = ListParams(data={"page_size": raw})
        assert params.is_valid()
        return params.validated_data["page_size"]

    assert size("1000") == ListParams.MAX_SIZE == 100
    assert size("0") == 1
    assert size("ten") == ListParams.DEFAULT_SIZE
    assert size("30") == 30


def test_list_sorted_by_due_walks_every_item_once(tree, people):
    staff = people["street_a"]
    items = [routed(tree, staff) for _ in range(5)]
    client = client_for(staff)
    seen, url, params = [], LIST, {"sort": "due", "page_size": 2}
    while url:
        body = client.get(url, params).json()
        seen += [row["id"] for row in body["results"]]
        url, params = body["next"], None
    assert sorted(seen) == sorted(p.pk for p in items) and len(seen) == len(set(seen))


def _list_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return len(queries)


# Session, user, role assignments, the second-factor device check (middleware), the page's keys (one
# index scan), its rows with their category, region, unit and claimer, and their running deadlines.
LIST_QUERIES = 7


def test_list_query_count_does_not_grow_with_rows_filters_or_depth(tree, people):
    staff = people["street_a"]
    client = client_for(staff)
    first = routed(tree, staff)
    Deadline.objects.filter(petition=first).update(due_at=timezone.now() - dt.timedelta(hours=1))
    one = _list_queries(client, {})
    for _ in range(29):
        routed(tree, staff)
    response = client.get(LIST, {"page_size": 30})
    assert len(response.json()["results"]) == 30
    thirty = _list_queries(client, {"page_size": 30})
    filtered = _list_queries(client, {"status": "assigned", "overdue": "true", "open": "true", "sort": "due"})
    deep = _list_queries(client, {"cursor": str(first.pk + 3), "page_size": 2})
    deep_due = client.get(LIST, {"sort": "due", "page_size": 20}).json()["next"]
    assert deep_due
    with CaptureQueriesContext(connection) as queries:
        assert client.get(deep_due).status_code == 200
    assert one == thirty == filtered == deep == len(queries) == LIST_QUERIES
    # A filter naming a row (region, unit, category) costs one lookup to validate it.
    assert _list_queries(client, {"region": tree.street_a.pk}) == LIST_QUERIES + 1
    assert _list_queries(client, {"category": "road"}) == LIST_QUERIES + 1


# --- Detail and reveal -------------------------------------------------------------------------------


def test_detail_with_timeline_and_masked_data(tree, people):
    staff = people["street_a"]
    petition = routed(tree, staff)
    services.petition_note(user=staff, petition=petition, text="内部备注", public=False)
    response = client_for(staff).get(detail_url(petition))
    assert response.status_code == 200
    body = response.json()
    assert body["tracking_code"] == petition.tracking_code and body["status"] == Status.ASSIGNED
    assert body["unit"]["id"] == tree.unit_a.pk and body["klass"] == Klass.GENERAL
    assert body["personal"]["phone"] == "139****5678"
    assert "13912345678" not in response.content.decode()
    actions = [e["action"] for e in body["timeline"] if e["kind"] != "deadline"]
    assert actions == ["file", "triage", "note"]
    assert {e["action"] for e in body["timeline"] if e["kind"] == "deadline"} == {"deadline_set"}
    assert body["timeline"][-1]["public"] is False

    # A third-party evaluator reads the item but not the internal notes.
    evaluator_view = client_for(people["evaluator"]).get(detail_url(petition)).json()
    assert [e["action"] for e in evaluator_view["timeline"]] == ["file", "triage"]


def test_detail_out_of_scope_is_404(tree, people):
    petition = factories.petition(region=tree.grid_a)
    assert client_for(people["street_b"]).get(detail_url(petition)).status_code == 404
    assert client_for(people["resident"]).get(detail_url(petition)).status_code == 404
    assert (
        client_for(people["street_a"]).get(reverse("petitions_api:petition_detail", kwargs={"pk": 0})).status_code
        == 404
    )
    assert client_for().get(detail_url(petition)).status_code == 401


# Session, user, role assignments, the second-factor device check (middleware), the petition with its
# category and region, its handling unit (read by id: a routed item; claimer, merge target and filer
# are read only when set), co-units, photos, evaluations, running deadlines, the timeline with actors,
# and the names of the units its entries mention (one query however many).
DETAIL_QUERIES = 12


def test_detail_query_count_is_fixed(tree, people):
    staff = people["street_a"]
    petition = routed(tree, staff)
    client = client_for(staff)
    with CaptureQueriesContext(connection) as short:
        client.get(detail_url(petition))
    for index in range(10):
        services.petition_note(user=staff, petition=petition, text=f"备注 {index}", public=bool(index % 2))
    services.petition_note(
        user=grid_factories.user(role="street_staff", region=tree.street_a), petition=petition, text="x"
    )
    with CaptureQueriesContext(connection) as long:
        response = client.get(detail_url(petition))
    # 2 transitions, 3 time limits set (triage at filing, acceptance and resolution), 11 notes.
    assert len(response.json()["timeline"]) == 16
    assert len(short) == len(long) == DETAIL_QUERIES


def test_reveal_unmasks_and_is_logged(tree, people):
    petition = routed(tree, people["street_a"], phone="13912345678")
    response = client_for(people["handler"]).post(action_url(petition, "reveal"))
    assert response.status_code == 200
    assert response.json() == {"name": "陈秀英", "phone": "13912345678", "address": ""}
    log = PersonalDataReveal.objects.get(object_id=petition.pk)
    assert log.user == people["handler"] and log.object_type == "petitions.petition" and log.ip_address == "127.0.0.1"
    assert client_for(people["evaluator"]).post(action_url(petition, "reveal")).status_code == 403
    assert client_for(people["street_b"]).post(action_url(petition, "reveal")).status_code == 404
    assert PersonalDataReveal.objects.count() == 1


# --- Create ------------------------------------------------------------------------------------------


def _new(tree, **extra):
    return {
        "category": "road",
        "region": tree.grid_a.pk,
        "title": "路灯不亮",
        "description": "3号楼前的路灯坏了。",
        "reporter_name": "王芳",
        "reporter_phone": "+86 139-1234-5678",
        **extra,
    }


def test_staff_files_for_a_resident(tree, people):
    response = client_for(people["grid_leader"]).post(LIST, _new(tree, channel=Channel.GRID), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    petition = Petition.objects.get(tracking_code=body["tracking_code"])
    assert petition.channel == Channel.GRID and petition.filed_by == people["grid_leader"]
    assert petition.reporter_phone == "13912345678" and petition.reporter is None
    assert body["petition"]["id"] == petition.pk and body["petition"]["personal"]["phone"] == "139****5678"
    assert "evaluation_token" not in body  # staff must not be able to rate their own work


def test_grid_leader_records_an_on_the_spot_resolution(tree, people):
    response = client_for(people["grid_leader"]).post(
        LIST, _new(tree, solved_on_spot=True, on_spot_note="当场更换了灯泡"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["petition"]["status"] == Status.REPLIED
    missing_note = client_for(people["grid_leader"]).post(LIST, _new(tree, solved_on_spot=True), format="json")
    assert missing_note.status_code == 400 and missing_note.json()["field"] == "on_spot_note"


def test_resident_files_for_themselves_through_the_api_channel(tree, people):
    resident = people["resident"]
    resident.full_name = "李娜"
    resident.save(update_fields=["full_name"])
    response = client_for(resident).post(
        LIST,
        _new(tree, region=tree.grid_b.pk, channel=Channel.GRID, reporter_name="别人", reporter_phone=""),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    petition = Petition.objects.get(tracking_code=body["tracking_code"])
    assert petition.channel == Channel.API and petition.reporter == resident
    assert petition.reporter_name == "李娜" and petition.reporter_phone == "13800138000"
    assert services.petition_by_evaluation_token(petition.tracking_code, body["evaluation_token"]) == petition


@pytest.mark.parametrize("who", ["no_role", "handler", "evaluator"])
def test_people_who_may_not_file_get_403(tree, people, who):
    response = client_for(people[who]).post(LIST, _new(tree), format="json")
    assert response.status_code == 403
    assert not Petition.objects.exists()


def test_anonymous_cannot_file(tree):
    assert client_for().post(LIST, _new(tree), format="json").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"reporter_phone": "010 6552 9988"}, "reporter_phone"),  # a Beijing landline, not a mobile
        ({"category": "no-such-category"}, "category"),
        ({"region": 999999}, "region"),
        ({"title": ""}, "title"),
        ({"channel": "pigeon"}, "channel"),
        ({"latitude": "91"}, "latitude"),
    ],
)
def test_malformed_intake_is_a_field_error(tree, people, change, field):
    response = client_for(people["street_a"]).post(LIST, _new(tree, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Petition.objects.exists()


def test_staff_cannot_file_outside_their_scope(tree, people):
    response = client_for(people["street_a"]).post(LIST, _new(tree, region=tree.grid_b.pk), format="json")
    assert response.status_code == 400
    assert response.json() == {"region": ["You cannot file items for this region."]}
    assert (
        client_for(people["street_b"]).post(LIST, _new(tree, region=tree.grid_b.pk), format="json").status_code == 201
    )


# --- Transitions -------------------------------------------------------------------------------------


def _post(user, petition, action, data=None):
    return client_for(user).post(action_url(petition, action), data or {}, format="json")


def test_the_closed_loop_through_the_api(tree, people):
    staff, handler = people["street_a"], people["handler"]
    petition = factories.petition(region=tree.grid_a)
    co_unit = grid_factories.unit(regions=[tree.street_a], name="招宝山住建", kind="housing")

    response = _post(staff, petition, "claim")
    assert response.status_code == 200 and response.json()["petition"]["claimed_by"]["id"] == staff.pk
    response = _post(
        staff,
        petition,
        "triage",
        {"klass": "major", "unit": tree.unit_a.pk, "co_units": [co_unit.pk], "note": "联合处理"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["petition"]["status"] == Status.ASSIGNED
    assert list(petition.co_units.values_list("pk", flat=True)) == [co_unit.pk]

    assert _post(handler, petition, "accept").json()["petition"]["status"] == Status.ACCEPTED
    response = _post(handler, petition, "progress", {"text": "已勘察现场"})
    assert response.status_code == 200
    response = _post(handler, petition, "request_info", {"question": "请提供照片"})
    assert response.json()["petition"]["status"] == Status.WAITING
    response = _post(handler, petition, "resume", {"answer": "已补充照片"})
    assert response.json()["petition"]["status"] == Status.ACCEPTED

    refused = _post(handler, petition, "reply", {"reply": "已修复"})
    assert refused.status_code == 400
    assert refused.json() == {"detail": "A major item needs its joint meeting recorded before the reply."}
    response = _post(staff, petition, "meeting", {"decision": "由城管牵头修复", "participants": "城管, 供电"})
    assert response.status_code == 200
    response = _post(handler, petition, "reply", {"reply": "已修复"})
    assert response.json()["petition"]["status"] == Status.REPLIED

    response = _post(staff, petition, "callback", {"rating": "unsatisfied", "comment": "还是不亮"})
    assert response.status_code == 200
    assert response.json()["evaluation"]["rating"] == "unsatisfied"
    assert response.json()["petition"]["status"] == Status.ACCEPTED
    assert response.json()["petition"]["rework_count"] == 1
    _post(handler, petition, "reply", {"reply": "换了灯泡"})
    response = _post(staff, petition, "callback", {"rating": "satisfied"})
    assert response.json()["petition"]["status"] == Status.CLOSED

    response = _post(people["evaluator"], petition, "third_party", {"rating": "basic", "comment": "抽查"})
    assert response.status_code == 200 and response.json()["petition"]["status"] == Status.CLOSED
    sources = list(petition.evaluations.order_by("id").values_list("source", flat=True))
    assert sources == ["callback", "callback", "third_party"]

    response = _post(staff, petition, "reopen", {"reason": "又坏了"})
    assert response.json()["petition"]["status"] == Status.ACCEPTED
    timeline = client_for(staff).get(detail_url(petition)).json()["timeline"]
    actions = [e["action"] for e in timeline if e["kind"] != "deadline"]
    assert actions[:4] == ["file", "triage", "accept", "progress"] and actions[-1] == "reopen"


def test_self_handle_merge_return_close_and_note(tree, people):
    staff, handler = people["community_a"], people["handler"]
    kept = factories.petition(region=tree.grid_a)
    response = _post(staff, kept, "self_handle", {"klass": "routine", "note": "社区自办"})
    assert response.json()["petition"]["status"] == Status.ACCEPTED and response.json()["petition"]["unit"] is None

    duplicate, original = factories.petition(region=tree.grid_a), factories.petition(region=tree.grid_a)
    response = _post(staff, duplicate, "merge", {"into": original.pk})
    assert response.status_code == 200 and response.json()["petition"]["status"] == Status.MERGED
    assert Petition.objects.get(pk=duplicate.pk).merged_into_id == original.pk

    wrong = routed(tree, staff)
    response = _post(handler, wrong, "return", {"reason": "不属于本单位"})
    assert response.status_code == 200
    assert response.json()["petition"]["status"] == Status.NEW and response.json()["petition"]["unit"] is None
    # Returned, it left the unit's scope.
    assert client_for(handler).get(detail_url(wrong)).status_code == 404

    done = replied(tree, staff)
    assert _post(staff, done, "close", {"note": "居民未评价"}).json()["petition"]["status"] == Status.CLOSED
    assert done.evaluations.count() == 0

    response = _post(handler, routed(tree, staff), "note", {"text": "内部：联系物业", "public": False})
    assert response.status_code == 200


def test_wrong_role_in_scope_is_403(tree, people):
    petition = routed(tree, people["street_a"])
    cases = [
        ("grid_leader", "triage", {"klass": "general", "unit": tree.unit_a.pk}),
        ("grid_leader", "accept", {}),
        ("handler", "claim", {}),
        ("handler", "callback", {"rating": "satisfied"}),
        ("evaluator", "accept", {}),
        ("evaluator", "callback", {"rating": "satisfied"}),
        ("street_a", "third_party", {"rating": "satisfied"}),
    ]
    for who, action, data in cases:
        assert _post(people[who], petition, action, data).status_code == 403, (who, action)
    assert Petition.objects.get(pk=petition.pk).status == Status.ASSIGNED


def test_another_street_gets_404_on_every_action(tree, people):
    from petitions.api import ACTIONS

    petition = routed(tree, people["street_a"])
    for action in ACTIONS:
        assert _post(people["street_b"], petition, action.name).status_code == 404, action.name
    assert client_for().post(action_url(petition, "accept")).status_code == 401


def test_forbidden_transition_is_400_with_the_message(tree, people):
    petition = factories.petition(region=tree.grid_a)  # awaiting triage
    response = _post(people["street_a"], petition, "accept")
    assert response.status_code == 400
    assert response.json() == {"detail": "This item is “Awaiting triage”; that action is not possible now."}
    response = _post(people["street_a"], petition, "callback", {"rating": "satisfied"})
    assert response.json() == {"detail": "This item is not waiting for an evaluation."}


def test_the_message_follows_the_language(tree, people):
    petition = factories.petition(region=tree.grid_a)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(people["street_a"])
    response = client.post(action_url(petition, "accept"), {}, format="json")
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("triage", {"klass": "general", "unit": 999999}, "unit"),
        ("triage", {"klass": "urgent", "unit": "UNIT"}, "klass"),
        ("triage", {"klass": "general", "unit": "UNIT", "co_units": [999999]}, "co_units"),
        ("self_handle", {}, "klass"),
        ("merge", {"into": 999999}, "into"),
        ("merge", {"into": "OUTSIDE"}, "into"),  # exists, but in another street
        ("progress", {"text": ""}, "text"),
        ("callback", {"rating": "great"}, "rating"),
        ("reopen", {}, "reason"),
    ],
)
def test_bad_ids_and_input_are_field_errors(tree, people, action, data, field):
    petition = factories.petition(region=tree.grid_a)
    outside = factories.petition(region=tree.grid_b)
    data = {
        key: (tree.unit_a.pk if value == "UNIT" else outside.pk if value == "OUTSIDE" else value)
        for key, value in data.items()
    }
    response = _post(people["street_a"], petition, action, data)
    assert response.status_code == 400
    assert field in response.json()
    assert Petition.objects.get(pk=petition.pk).status == Status.NEW


def test_claim_is_exclusive(tree, people):
    petition = factories.petition(region=tree.grid_a)
    assert _post(people["street_a"], petition, "claim").status_code == 200
    other = grid_factories.user(role="street_staff", region=tree.street_a)
    response = _post(other, petition, "claim")
    assert response.status_code == 400
    assert response.json() == {"detail": "Someone else is working on this item."}


# --- Evaluation by private link ----------------------------------------------------------------------


def test_resident_evaluates_by_token(tree, people):
    petition = replied(tree, people["street_a"])
    response = client_for().post(EVALUATE, token_body(petition, comment="很好"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.CLOSED
    evaluation = Evaluation.objects.get(petition=petition)
    assert evaluation.source == Evaluation.Source.RESIDENT and evaluation.comment == "很好" and evaluation.by is None

    twice = client_for().post(EVALUATE, token_body(petition), format="json")
    assert twice.status_code == 400
    assert twice.json() == {"detail": "This item is not waiting for an evaluation."}


def test_unsatisfied_sends_the_item_back_for_rework(tree, people):
    petition = replied(tree, people["street_a"])
    response = client_for().post(EVALUATE, token_body(petition, "unsatisfied", "还是不亮"), format="json")
    assert response.json()["status"] == Status.ACCEPTED
    assert Petition.objects.get(pk=petition.pk).rework_count == 1


def test_wrong_token_is_404(tree, people):
    petition = replied(tree, people["street_a"])
    other = replied(tree, people["street_a"])
    body = token_body(petition) | {"token": services.evaluation_token(other)}
    assert client_for().post(EVALUATE, body, format="json").status_code == 404
    body = token_body(petition) | {"code": "ZHNOSUCH1"}
    assert client_for().post(EVALUATE, body, format="json").status_code == 404
    assert Petition.objects.get(pk=petition.pk).status == Status.REPLIED


def test_evaluation_not_awaited_is_400_and_malformed_is_field_error(tree, people):
    petition = routed(tree, people["street_a"])
    assert client_for().post(EVALUATE, token_body(petition), format="json").status_code == 400
    response = client_for().post(EVALUATE, {"code": petition.tracking_code}, format="json")
    assert response.status_code == 400 and {"token", "rating"} <= set(response.json())


def test_evaluation_needs_no_csrf_token_even_with_a_session(tree, people):
    petition = replied(tree, people["street_a"])
    client = client_for(people["resident"], enforce_csrf_checks=True)
    assert client.post(EVALUATE, token_body(petition), format="json").status_code == 201


def test_evaluation_is_throttled(tree, people, settings):
    settings.PETITION_EVALUATION_RATE = "3/minute"
    petition = routed(tree, people["street_a"])
    statuses = [client_for().post(EVALUATE, token_body(petition), format="json").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_the_throttle_ignores_a_forged_forwarded_for(tree, people, settings):
    settings.PETITION_EVALUATION_RATE = "2/minute"
    petition = routed(tree, people["street_a"])
    statuses = [
        client_for(HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").post(EVALUATE, token_body(petition), format="json").status_code
        for n in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_staff_do_not_see_a_residents_name_in_the_timeline(tree, people):
    resident = people["resident"]
    resident.full_name = "李娜"
    resident.save(update_fields=["full_name"])
    response = client_for(resident).post(LIST, _new(tree, reporter_phone=""), format="json")
    petition = Petition.objects.get(tracking_code=response.json()["tracking_code"])
    services.petition_note(user=resident, petition=petition, text="补充：晚上更暗", public=True)
    body = client_for(people["street_a"]).get(detail_url(petition))
    assert "李娜" not in body.content.decode()
    assert body.json()["timeline"][-1]["actor"] == {"id": None, "name": "李*"}
    assert body.json()["personal"] == {"name": "李*", "phone": "138****8000", "address": ""}


def test_the_category_filter_follows_a_change_at_once(tree, people):
    """The active categories it validates against are kept per process; a change shows at once."""
    client = client_for(people["street_a"])
    assert client.get(LIST, {"category": "road"}).status_code == 200
    assert client.get(LIST, {"category": "nosuch"}).status_code == 400
    road = Category.objects.get(code="road")
    road.is_active = False
    road.save()
    response = client.get(LIST, {"category": "road"})
    assert response.status_code == 400 and "category" in response.json()
    road.is_active = True
    road.save()
    assert client.get(LIST, {"category": "road"}).status_code == 200
