"""Filing through the API: what it writes, what it answers, how many queries it takes, and input
that is refused as a clear 400 whatever its shape."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
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
# call); the category and the region (parsing); the calendar; in one transaction the audit context,
# the item, its two timeline entries, its triage deadline and the outbox row; then the answer reads
# the item back as a list row (joined with its category, region, unit and claimer) with its running
# deadlines.
FILING_QUERIES = 16


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


def _json(data) -> bytes:
    return JSONRenderer().render(data)


# --- The filing's answer ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("shape", ["staff", "solved_on_spot", "anonymous", "resident"])
def test_the_answer_is_the_item_read_back(tree, staff, resident, language, shape):
    """The answer is the item as stored, read back as a list row shows it (every write answers the
    summary); staff find its details, with the public timeline, at the Location."""
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
    petition = selectors.petition_written(answer["id"])
    with translation.override(language):
        expected = s.PetitionSummaryOut(petition, context={"request": _request(user, language)}).data
    assert _json(answer) == _json(expected)
    assert "timeline" not in answer and "description" not in answer
    if shape == "solved_on_spot":
        assert answer["status"] == Status.REPLIED and answer["deadlines"] == []
    else:
        assert [d["kind"] for d in answer["deadlines"]] == [Deadline.Kind.TRIAGE]
    if shape == "resident":
        # No staff detail to point to: the resident reads the item on the site with the private token.
        assert "Location" not in response and response.json()["evaluation_token"]
        return
    assert response["Location"] == answer["url"]
    detail = _client(staff, language).get(response["Location"]).json()
    assert detail["latitude"] == "29.950000" and detail["longitude"] == "121.712300"
    public = [e["action"] for e in detail["timeline"] if e["public"]]
    assert public == (["file", "solved_on_spot"] if shape == "solved_on_spot" else ["file"])


def test_the_item_is_written_once_with_its_soonest_deadline(tree, staff):
    """The triage deadline is computed before the INSERT: the row holds ``next_due_at`` from the
    start (no UPDATE follows), and the timeline and outbox say what happened."""
    response = _client(staff).post(LIST, _body(tree), format="json")
    petition = Petition.objects.get(pk=response.json()["petition"]["id"])
    triage = Deadline.objects.get(petition=petition)
    assert triage.kind == Deadline.Kind.TRIAGE and triage.met_at is None
    assert petition.next_due_at == triage.due_at and petition.resolve_by is None
    assert triage.warn_at < triage.due_at
    audit = apps.get_model("petitions", "PetitionAudit").objects.filter(pgh_obj_id=petition.pk)
    assert list(audit.values_list("pgh_label", flat=True)) == ["insert"]
    due = triage.due_at.astimezone(ZoneInfo("Asia/Shanghai"))  # stored as computed, on Shanghai time
    entries = list(petition.timeline.order_by("id").values_list("kind", "action", "public", "data"))
    assert entries == [
        (Event.Kind.TRANSITION, "file", True, {"channel": petition.channel}),
        (Event.Kind.DEADLINE, "deadline_set", False, {"deadline": "triage", "due_at": due.isoformat()}),
    ]
    assert OutboxMessage.objects.get().payload == {"petition": petition.pk, "event": "filed"}


def test_filing_has_a_fixed_number_of_queries(tree, staff, django_assert_num_queries):
    client, body = _client(staff), _body(tree)
    client.post(LIST, body, format="json")  # warm: the session and caches as in use
    with django_assert_num_queries(FILING_QUERIES):
        response = client.post(LIST, body, format="json")
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migration_data_restored")
def test_a_filing_is_written_whole_or_not_at_all(tree, staff, monkeypatch):
    """As in production, outside any test transaction: the last write of a filing failing leaves no
    item, deadline, timeline entry or outbox row behind, and the client gets a server error."""
    from core import outbox

    def broken(topic, payload):
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(outbox, "enqueue", broken)
    client, body = _client(staff), _body(tree)
    client.raise_request_exception = False
    assert client.post(LIST, body, format="json").status_code == 500
    assert not Petition.objects.exists() and not Deadline.objects.exists()
    assert not Event.objects.exists() and not OutboxMessage.objects.exists()
    monkeypatch.undo()
    response = client.post(LIST, body, format="json")
    assert response.status_code == 201
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


# --- The detail of every shape of item ----------------------------------------------------------------


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


def test_the_detail_of_every_shape_of_item(tree, staff, variety):
    with translation.override("en"):
        for name, item in variety.items():
            petition = selectors.petition_get(user=staff, pk=item.pk)
            response = _client(staff).get(reverse("petitions_api:petition_detail", kwargs={"pk": item.pk}))
            assert response.status_code == 200, name
            assert response.json()["tracking_code"] == petition.tracking_code
        reworked = (
            _client(staff)
            .get(reverse("petitions_api:petition_detail", kwargs={"pk": variety["reworked_by_its_resident"].pk}))
            .json()
        )
    assert reworked["evaluations"][0]["rating"] == Evaluation.Rating.UNSATISFIED
    masked = [e["actor"] for e in reworked["timeline"] if e["action"] == "resident"]
    assert masked == [{"id": None, "name": "李*"}]  # the resident acting on their own item is masked
    detail = _client(staff).get(reverse("petitions_api:petition_detail", kwargs={"pk": variety["co_handled"].pk}))
    assert len(detail.json()["co_units"]) == 1
    merged = _client(staff).get(reverse("petitions_api:petition_detail", kwargs={"pk": variety["merged"].pk}))
    assert merged.json()["merged_into"]["id"]
    waiting = _client(staff).get(reverse("petitions_api:petition_detail", kwargs={"pk": variety["waiting"].pk}))
    assert waiting.json()["paused_at"] and all(d["paused_at"] for d in waiting.json()["deadlines"])


# --- The input: every shape of category and region -------------------------------------------------


def test_every_shape_of_category_and_region_is_a_value_or_a_field_error(tree, staff):
    """Good and bad values of every JSON type: a 201, or a 400 naming the field, never a 500."""
    factories.category("road")
    retired = factories.category("water")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    grid, outside = tree.grid_a.pk, tree.grid_b.pk
    categories = ["road", "water", "nothing-like-it", "", "x" * 65, 7, None, True, ["road"], {"code": "road"}]
    regions = [grid, outside, str(grid), f"0{grid}", " 1", "abc", "", -1, 0, 2**70, 1.5, True, None, [grid]]
    client = _client(staff)
    for category in categories:
        for region in regions:
            response = client.post(LIST, {**_body(tree), "category": category, "region": region}, format="json")
            if response.status_code == 201:
                assert category == "road" and region in (grid, str(grid), f"0{grid}"), (category, region)
            else:
                assert response.status_code == 400, (category, region, response.content)
                assert set(response.json()) <= {"category", "region"}, response.content
    assert client.post(LIST, {**_body(tree), "region": outside}, format="json").json() == {
        "region": ["You cannot file items for this region."]
    }


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
