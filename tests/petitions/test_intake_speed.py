"""Filing through the API answers exactly what it did before, with fewer queries and no DRF fields.

A filing writes the item once (its triage deadline is computed before the INSERT), reads the
working-time calendar once, and answers with the detail written out by hand from what it wrote,
instead of reading the timeline, deadlines, co-units and evaluations back (docs/performance.md,
"Intake"). These tests hold the answer equal to the generic serializer over the item read back,
hold the hand-written detail equal to the generic one over every shape of item, and pin the count.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers as drf_serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from core.models import OutboxMessage
from grids.roles import Role
from petitions import selectors, services
from petitions import serializers as s
from petitions.models import Channel, Deadline, Evaluation, Event, Klass, Petition, Status
from tests.grids import factories as grid_factories
from tests.petitions import factories
from tests.petitions.test_sweeps import migration_data_restored  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

LIST = reverse("petitions_api:petition_list")

# One filing by a street's staff: session, user, role assignments and second factor (as every API
# call), the category and the region together (parsing), the calendar; then one statement writing
# the item, its triage deadline, its two timeline entries and the outbox row (core.inserts), atomic
# by itself. Inside a caller's transaction (the test's) it takes a savepoint, two more. Before: 24,
# then 16 — the category and the region read one by one, the item in a savepoint of its own for
# the tracking code's retry, the timeline entries one by one — then 12: in a transaction of its own
# (BEGIN, COMMIT), the item, its deadline, its entries and the outbox row each written alone.
FILING_QUERIES = 7
FILING_QUERIES_IN_A_TRANSACTION = FILING_QUERIES + 2


@pytest.fixture
def staff(tree):
    return grid_factories.user(username="street_a_staff", role=Role.STREET_STAFF, region=tree.street_a)


@pytest.fixture
def resident(tree):
    resident = grid_factories.user(role=Role.RESIDENT, region=tree.compound_a, phone="13800138000")
    resident.full_name = "李娜"
    resident.save(update_fields=["full_name"])
    return resident


def _body(tree, **extra) -> dict:
    return {
        "category": factories.category("road").code,
        "region": tree.grid_a.pk,
        "title": "路灯不亮",
        "description": "3号楼前的路灯坏了。",
        "address": "3号楼前",
        "latitude": "29.95",
        "longitude": "121.7123",
        "channel": Channel.PHONE,
        "reporter_name": "王芳",
        "reporter_phone": "+86 139-1234-5678",
        **extra,
    }


def _client(user, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _request(user, language: str) -> Request:
    request = APIRequestFactory().get(LIST, HTTP_ACCEPT_LANGUAGE=language)
    request.user = user
    return Request(request)


def _generic(petition: Petition, context: dict) -> dict:
    """DRF's own rendering of ``PetitionDetailOut`` (every field through its serializer field)."""
    serializer = s.PetitionDetailOut(petition, context=context)
    return drf_serializers.Serializer.to_representation(serializer, petition)


def _json(data) -> bytes:
    return JSONRenderer().render(data)


# --- The filing's answer ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("shape", ["staff", "solved_on_spot", "anonymous", "resident"])
def test_the_answer_is_the_item_read_back(tree, staff, resident, language, shape):
    """What the answer built from the filing's own writes equals the generic serializer over the
    item read back from the database with its public timeline (what the endpoint answered before)."""
    user, extra = staff, {}
    if shape == "solved_on_spot":
        extra = {"solved_on_spot": True, "on_spot_note": "当场更换了灯泡"}
    elif shape == "anonymous":
        extra = {"anonymous": True}
    elif shape == "resident":
        user = resident
    response = _client(user, language).post(LIST, _body(tree, **extra), format="json")
    assert response.status_code == 201, response.content
    answer = response.json()["petition"]
    petition = selectors.petition_get(user=staff, pk=answer["id"])
    with translation.override(language):
        context = {
            "request": _request(user, language),
            "timeline": selectors.petition_timeline(petition, public_only=True),
        }
        expected = _generic(petition, context)
    assert _json(answer) == _json(expected)
    assert answer["latitude"] == "29.950000" and answer["longitude"] == "121.712300"
    if shape == "solved_on_spot":
        assert answer["status"] == Status.REPLIED and answer["deadlines"] == []
        assert [e["action"] for e in answer["timeline"]] == ["file", "solved_on_spot"]
    else:
        assert [d["kind"] for d in answer["deadlines"]] == [Deadline.Kind.TRIAGE]
        assert [e["action"] for e in answer["timeline"]] == ["file"]  # the deadline's entry is internal
        assert answer["deadlines"][0]["due_at"] == expected["deadlines"][0]["due_at"]


def test_the_item_is_written_once_with_its_soonest_deadline(tree, staff):
    """The triage deadline is computed before the INSERT: the row holds ``next_due_at`` from the
    start, no audit row is written, and the timeline and outbox are as before."""
    response = _client(staff).post(LIST, _body(tree), format="json")
    petition = Petition.objects.get(pk=response.json()["petition"]["id"])
    triage = Deadline.objects.get(petition=petition)
    assert triage.kind == Deadline.Kind.TRIAGE and triage.met_at is None
    assert petition.next_due_at == triage.due_at and petition.resolve_by is None
    assert triage.warn_at < triage.due_at
    assert not apps.get_model("petitions", "PetitionAudit").objects.filter(pgh_obj_id=petition.pk).exists()
    due = triage.due_at.astimezone(ZoneInfo("Asia/Shanghai"))  # stored as computed, on Shanghai time
    entries = list(petition.timeline.order_by("id").values_list("kind", "action", "public", "data"))
    assert entries == [
        (Event.Kind.TRANSITION, "file", True, {}),
        (Event.Kind.DEADLINE, "deadline_set", False, {"deadline": "triage", "due_at": due.isoformat()}),
    ]
    assert OutboxMessage.objects.get().payload == {"petition": petition.pk, "event": "filed"}


def test_filing_has_a_fixed_number_of_queries(tree, staff, django_assert_num_queries):
    """Inside the test's transaction: the filing's statement in a savepoint."""
    client, body = _client(staff), _body(tree)
    client.post(LIST, body, format="json")  # warm: the session and caches as in use
    with django_assert_num_queries(FILING_QUERIES_IN_A_TRANSACTION):
        response = client.post(LIST, body, format="json")
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_a_filing_through_the_api_is_one_write(tree, staff, django_assert_num_queries):
    """As in production, outside any transaction: no BEGIN, no COMMIT, one statement writing."""
    client, body = _client(staff), _body(tree)
    client.post(LIST, body, format="json")
    with django_assert_num_queries(FILING_QUERIES) as queries:
        response = client.post(LIST, body, format="json")
    assert response.status_code == 201
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert writes == [], writes  # pghistory's context comes first: "SELECT set_config(...); WITH ..."
    written = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert len(written) == 1 and written[0].count("INSERT INTO") == 4
    petition = Petition.objects.get(pk=response.json()["petition"]["id"])
    assert list(petition.timeline.values_list("action", flat=True)) == ["file", "deadline_set"]
    assert list(petition.deadlines.values_list("kind", flat=True)) == [Deadline.Kind.TRIAGE]
    assert OutboxMessage.objects.filter(payload={"petition": petition.pk, "event": "filed"}).count() == 1


def test_the_service_reads_the_calendar_once(tree, staff):
    with CaptureQueriesContext(connection) as queries:
        factories.petition(region=tree.grid_a)
    calendar = [q for q in queries.captured_queries if "core_workingday" in q["sql"]]
    assert len(calendar) == 1
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().startswith("UPDATE")]


# --- The detail, hand-written ----------------------------------------------------------------------


@pytest.fixture
def variety(tree, staff, resident):
    """One item of each shape the detail can take."""
    made = {"new": factories.petition(region=tree.grid_a, latitude=Decimal("29.95"), longitude=Decimal("121.7"))}
    made["anonymous"] = factories.petition(region=tree.grid_a, anonymous=True, reporter_name="", phone="")
    made["co_handled"] = services.petition_triage(
        user=staff,
        petition=factories.petition(region=tree.grid_a),
        klass=Klass.MAJOR,
        unit=tree.unit_a,
        co_units=[grid_factories.unit(regions=[tree.community_a], name="协办单位")],
    )
    accepted = services.petition_accept(
        user=staff,
        petition=services.petition_triage(
            user=staff, petition=factories.petition(region=tree.grid_a), klass=Klass.GENERAL, unit=tree.unit_a
        ),
    )
    made["waiting"] = services.petition_request_info(user=staff, petition=accepted, question="门牌号是多少？")
    filed, _token = services.petition_file(
        channel=Channel.API,
        category=factories.category("road"),
        region=tree.grid_a,
        title="井盖缺失",
        description="小区门口的井盖不见了。",
        reporter=resident,
    )
    routed = services.petition_triage(user=staff, petition=filed, klass=Klass.ROUTINE, unit=tree.unit_a)
    replied = services.petition_reply(
        user=staff, petition=services.petition_accept(user=staff, petition=routed), reply="已补上井盖。"
    )
    services.petition_evaluate(
        petition=replied, rating=Evaluation.Rating.UNSATISFIED, comment="还是松的", source="resident", by=resident
    )
    made["reworked_by_its_resident"] = replied
    survivor = factories.petition(region=tree.grid_a)
    made["merged"] = services.petition_merge(user=staff, petition=factories.petition(region=tree.grid_a), into=survivor)
    return made


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_detail_is_what_the_generic_serializer_renders(tree, staff, variety, language):
    with translation.override(language):
        for name, item in variety.items():
            petition = selectors.petition_get(user=staff, pk=item.pk)
            for public_only in (True, False):
                context = {
                    "request": _request(staff, language),
                    "timeline": selectors.petition_timeline(petition, public_only=public_only),
                }
                fast = s.PetitionDetailOut(petition, context=context).data
                assert _json(fast) == _json(_generic(petition, context)), name
    reworked = selectors.petition_get(user=staff, pk=variety["reworked_by_its_resident"].pk)
    with translation.override("en"):
        context = {"request": _request(staff, "en"), "timeline": selectors.petition_timeline(reworked)}
        detail = s.PetitionDetailOut(reworked, context=context).data
    assert detail["evaluations"][0]["rating"] == Evaluation.Rating.UNSATISFIED
    masked = [e["actor"] for e in detail["timeline"] if e["action"] == "resident"]
    assert masked == [{"id": None, "name": "李*"}]  # the resident acting on their own item is masked
    assert len(_generic(selectors.petition_get(user=staff, pk=variety["co_handled"].pk), context)["co_units"]) == 1
    assert _generic(selectors.petition_get(user=staff, pk=variety["merged"].pk), context)["merged_into"]


def test_filing_and_reading_the_detail_build_no_serializer_fields(tree, staff, serializer_fields_built):
    built = serializer_fields_built
    client = _client(staff)
    response = client.post(LIST, _body(tree), format="json")
    assert response.status_code == 201
    assert client.get(response.json()["petition"]["url"]).status_code == 200
    assert built == []


# --- The input: the category and the region in one query -----------------------------------------


def _parsed(data, *, file_paths=None, generic: bool = False):
    """``PetitionCreateIn`` as the API uses it, or (``generic``) with DRF's own parsing: every field
    deep-copied and looking up its row itself."""
    serializer = s.PetitionCreateIn(data=data, context={"file_paths": file_paths})
    if generic:
        serializer.get_fields = lambda: drf_serializers.Serializer.get_fields(serializer)
        serializer.to_internal_value = lambda d: drf_serializers.Serializer.to_internal_value(serializer, d)
    valid = serializer.is_valid()
    return valid, (dict(serializer.validated_data) if valid else _json(serializer.errors))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_input_parses_as_drf_parses_it(tree, staff, language):
    """Every shape of category and region, good and bad, gives the same values or the same errors
    as DRF's generic parsing, in both languages, within the staff's regions and outside them."""
    road = factories.category("road")
    retired = factories.category("water")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    grid, outside = tree.grid_a.pk, tree.grid_b.pk
    categories = ["road", "water", "nothing-like-it", "", "a\x00b", "x" * 65, 7, None, True, ["road"]]
    regions = [
        grid,
        outside,
        str(grid),
        f"0{grid}",
        " 1",
        "abc",
        "",
        -1,
        0,
        2**70,
        1.5,
        float(grid),
        True,
        None,
        [grid],
    ]
    paths = [tree.street_a.path]
    with translation.override(language):
        for category in categories:
            for region in regions:
                data = {**_body(tree), "category": category, "region": region}
                for file_paths in (None, paths):
                    ours = _parsed(data, file_paths=file_paths)
                    assert ours == _parsed(data, file_paths=file_paths, generic=True), (category, region)
        valid, data = _parsed({**_body(tree), "category": "road", "region": grid})
    assert valid and data["category"] == road and data["region"] == tree.grid_a
    assert data["region"].path == tree.grid_a.path and data["category"].name_zh == road.name_zh
    assert _parsed({**_body(tree), "category": "water", "region": grid})[0] is False


def test_the_input_reads_the_category_and_the_region_in_one_query(tree, django_assert_num_queries):
    data = {**_body(tree), "region": str(tree.grid_a.pk)}
    with django_assert_num_queries(1):
        valid, parsed = _parsed(data)
    assert valid and parsed["region"] == tree.grid_a and parsed["category"].code == "road"


# --- The tracking code ------------------------------------------------------------------------------


def _codes(monkeypatch, *codes: str) -> None:
    drawn = iter(codes)
    monkeypatch.setattr(services, "_tracking_code", lambda: next(drawn))


def test_a_tracking_code_already_taken_is_drawn_again(tree, staff, monkeypatch):
    """Inside a caller's transaction (the test's): the filing's savepoint is rolled back and the
    filing made again, once, with its deadline, timeline and outbox row."""
    taken = factories.petition(region=tree.grid_a)
    _codes(monkeypatch, taken.tracking_code, "ZHAAAA2345")
    petition = factories.petition(region=tree.grid_a)
    assert petition.tracking_code == "ZHAAAA2345"
    assert Petition.objects.count() == 2
    assert Deadline.objects.filter(petition=petition).count() == 1
    assert petition.timeline.count() == 2
    assert OutboxMessage.objects.filter(payload__petition=petition.pk).count() == 1


def test_other_integrity_errors_are_not_retried(tree, monkeypatch):
    """A failed write whose tracking code is not taken is an error of its own: raised at once."""
    attempts = []

    def failing(petition, **kwargs):
        attempts.append(petition.tracking_code)
        raise IntegrityError("some other constraint")

    monkeypatch.setattr(services, "_file_to_triage", failing)
    with pytest.raises(IntegrityError, match="some other constraint"):
        factories.petition(region=tree.grid_a)
    assert len(attempts) == 1 and not Petition.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_a_tracking_code_already_taken_is_drawn_again_through_the_api(tree, staff, monkeypatch):
    """In the API the filing is its own transaction: it is rolled back and made again."""
    taken = factories.petition(region=tree.grid_a)
    _codes(monkeypatch, taken.tracking_code, taken.tracking_code, "ZHCCCC2345")
    response = _client(staff).post(LIST, _body(tree), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["tracking_code"] == "ZHCCCC2345"
    petition = Petition.objects.get(tracking_code="ZHCCCC2345")
    assert list(petition.timeline.values_list("action", flat=True)) == ["file", "deadline_set"]
    assert Petition.objects.count() == 2 and Deadline.objects.count() == 2
    assert OutboxMessage.objects.count() == 2
