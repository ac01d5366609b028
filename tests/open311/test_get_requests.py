"""GET requests and GET requests/{id}: fields and roots of the specification in both formats, the
portal's states mapped onto open/closed with status_notes, the filters and their errors, no
personal data, and fixed query counts."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from petitions import services
from petitions.models import Klass, Petition
from tests.grids import factories as grid_factories
from tests.open311.conftest import FORM, FORMATS, errors_of, requests_of, url
from tests.petitions import factories

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


@pytest.fixture
def staff(tree):
    return grid_factories.user(role="street_staff", region=tree.street_a)


def filed(o311, app_key, tree, **fields) -> Petition:
    data = {
        "api_key": app_key.key,
        "service_code": "street_light",
        "lat": "29.948610",
        "long": "121.713720",
        "address_string": "清川佳园3号楼201室门口",
        "first_name": "秀英",
        "last_name": "陈",
        "phone": "13912345678",
        "email": "chen@example.com",
        "description": "3号楼前的路灯坏了\n陈秀英 13912345678",
        "media_url": "https://img.example.com/a.jpg",
        "address_id": "A-17",
        "attribute[region]": tree.community_a.code,
        **fields,
    }
    response = o311.client.post(url("request_list", "json"), urlencode(data), content_type=FORM)
    assert response.status_code == 200, response.content
    return Petition.objects.get(tracking_code=response.json()[0]["service_request_id"])


def at(petition: Petition, when: dt.datetime) -> Petition:
    Petition.objects.filter(pk=petition.pk).update(created_at=when)
    petition.refresh_from_db()
    return petition


def one(o311, fmt: str, petition: Petition, **params) -> dict:
    response = o311.get("request_detail", fmt, params, service_request_id=petition.tracking_code)
    assert response.status_code == 200, response.content
    [row] = requests_of(response, fmt)
    return row


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_public_sees_the_request_without_personal_data(o311, tree, app_key, staff, fmt):
    petition = filed(o311, app_key, tree)
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=tree.unit_a)
    response = o311.get("request_detail", fmt, service_request_id=petition.tracking_code)
    [row] = requests_of(response, fmt)
    assert row["service_request_id"] == petition.tracking_code
    assert row["status"] == "open"
    assert row["service_code"] == "street_light" and row["service_name"] == "Street lighting"
    assert row["description"] == "3号楼前的路灯坏了"  # the title, not the description
    assert row["address"] == "总浦桥社区, 招宝山街道, 镇海区"  # place names, most specific first
    assert row["agency_responsible"] == "招宝山城管中队"
    assert row["service_notice"] == "General (handle within the period)"
    for field in ("lat", "long", "address_id", "media_url", "zipcode"):
        assert row[field] is None
    assert W3C.match(row["requested_datetime"]) and W3C.match(row["updated_datetime"])
    assert W3C.match(row["expected_datetime"])
    assert dt.datetime.fromisoformat(row["requested_datetime"]) == petition.created_at.replace(microsecond=0)
    assert dt.datetime.fromisoformat(row["expected_datetime"]) == petition.resolve_by.replace(microsecond=0)
    body = response.content.decode()
    for secret in (
        "陈",
        "秀英",
        "13912345678",
        "5678",
        "chen@example.com",
        "201室",
        "29.94",
        "img.example.com",
        "A-17",
    ):
        assert secret not in body, secret


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_key_that_filed_it_sees_description_and_exact_location(o311, tree, app_key, other_key, fmt):
    petition = filed(o311, app_key, tree)
    row = one(o311, fmt, petition, api_key=app_key.key)
    assert row["description"] == "3号楼前的路灯坏了\n陈秀英 13912345678"
    assert row["address"] == "清川佳园3号楼201室门口, 总浦桥社区, 招宝山街道, 镇海区"
    assert (row["lat"], row["long"]) == (29.94861, 121.71372)
    assert row["address_id"] == "A-17" and row["media_url"] == "https://img.example.com/a.jpg"
    assert row["expected_datetime"] is None  # not triaged yet: no resolution deadline
    # Another valid key is the public: the title and the place only.
    other = one(o311, fmt, petition, api_key=other_key.key)
    assert other["description"] == "3号楼前的路灯坏了" and other["lat"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_api_key_on_get_is_403_an_empty_one_is_absent(o311, tree, app_key, fmt):
    petition = filed(o311, app_key, tree)
    response = o311.get("request_list", fmt, {"api_key": "zh_00000000_nope"})
    assert response.status_code == 403 and errors_of(response, fmt)[0]["code"] == 403
    assert one(o311, fmt, petition, api_key="")["description"] == "3号楼前的路灯坏了"


def _states(tree, staff) -> dict[str, Petition]:
    """One petition in each of the portal's states, with public notes along the way."""
    new = factories.petition(region=tree.grid_a, title="新的", phone="13900000001")
    assigned = services.petition_triage(
        user=staff,
        petition=factories.petition(region=tree.grid_a, title="已派", phone="13900000002"),
        klass=Klass.GENERAL,
        unit=tree.unit_a,
    )
    accepted = services.petition_accept(
        user=staff,
        petition=services.petition_triage(
            user=staff,
            petition=factories.petition(region=tree.grid_a, title="办理中", phone="13900000003"),
            klass=Klass.GENERAL,
            unit=tree.unit_a,
        ),
    )
    accepted = services.petition_progress(user=staff, petition=accepted, text="已派人到现场查看")
    services.petition_note(user=staff, petition=accepted, text="内部：联系人王五 13700000000", public=False)
    waiting = services.petition_request_info(
        user=staff,
        petition=services.petition_accept(
            user=staff,
            petition=services.petition_triage(
                user=staff,
                petition=factories.petition(region=tree.grid_a, title="等待", phone="13900000004"),
                klass=Klass.GENERAL,
                unit=tree.unit_a,
            ),
        ),
        question="请补充具体楼号",
    )
    replied = services.petition_reply(
        user=staff,
        petition=services.petition_accept(
            user=staff,
            petition=services.petition_triage(
                user=staff,
                petition=factories.petition(region=tree.grid_a, title="已答复", phone="13900000005"),
                klass=Klass.GENERAL,
                unit=tree.unit_a,
            ),
        ),
        reply="路灯已修复",
    )
    closed = services.petition_reply(
        user=staff,
        petition=services.petition_accept(
            user=staff,
            petition=services.petition_triage(
                user=staff,
                petition=factories.petition(region=tree.grid_a, title="已办结", phone="13900000006"),
                klass=Klass.GENERAL,
                unit=tree.unit_a,
            ),
        ),
        reply="已更换灯泡",
    )
    services.petition_evaluate(petition=closed, rating="satisfied", comment="谢谢张师傅", source="resident")
    unfixed = services.petition_close_unfixed(
        user=staff,
        petition=factories.petition(region=tree.grid_a, title="私人纠纷", phone="13900000008"),
        outcome="outside_remit",
        reply="属于邻里民事纠纷，已告知调解途径。",
    )
    merged = services.petition_merge(
        user=staff, petition=factories.petition(region=tree.grid_a, title="重复", phone="13900000007"), into=new
    )
    return {
        "new": new,
        "assigned": assigned,
        "accepted": accepted,
        "waiting": waiting,
        "replied": replied,
        "closed": Petition.objects.get(pk=closed.pk),
        "unfixed": unfixed,
        "merged": merged,
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_states_map_onto_open_and_closed_with_status_notes(o311, tree, staff, fmt):
    states = _states(tree, staff)
    response = o311.get("request_list", fmt)
    assert response.status_code == 200
    rows = {row["service_request_id"]: row for row in requests_of(response, fmt)}
    got = {name: (rows[p.tracking_code]["status"], rows[p.tracking_code]["status_notes"]) for name, p in states.items()}
    filing_note = "Filed through Public web form."  # from the entry's parameters, in the request's language
    assert got == {
        "new": ("open", filing_note),
        "assigned": ("open", filing_note),  # routing leaves no public text
        "accepted": ("open", "已派人到现场查看"),  # the internal note is not shown
        "waiting": ("open", "请补充具体楼号"),
        "replied": ("closed", "路灯已修复"),
        "closed": ("closed", "已更换灯泡"),  # the resident's evaluation comment is theirs, not shown
        # "closed" alone would read as fixed
        "unfixed": ("closed", "Closed without a fix: Outside our remit. 属于邻里民事纠纷，已告知调解途径。"),
        "merged": ("closed", "Merged with another report of the same problem."),
    }
    body = response.content.decode()
    for secret in ("王五", "13700000000", "张师傅", states["new"].tracking_code + "."):
        assert secret not in body
    closed = rows[states["closed"].tracking_code]
    assert dt.datetime.fromisoformat(closed["updated_datetime"]) == states["closed"].closed_at.replace(microsecond=0)
    replied = rows[states["replied"].tracking_code]
    assert dt.datetime.fromisoformat(replied["updated_datetime"]) == states["replied"].replied_at.replace(microsecond=0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_filter(o311, tree, staff, fmt):
    states = _states(tree, staff)

    def codes(params):
        response = o311.get("request_list", fmt, params)
        assert response.status_code == 200, response.content
        return {row["service_request_id"] for row in requests_of(response, fmt)}

    open_codes = {states[k].tracking_code for k in ("new", "assigned", "accepted", "waiting")}
    closed_codes = {states[k].tracking_code for k in ("replied", "closed", "unfixed", "merged")}
    assert codes({"status": "open"}) == open_codes
    assert codes({"status": "closed"}) == closed_codes
    assert codes({"status": "open,closed"}) == codes({"status": ""}) == codes({}) == open_codes | closed_codes
    response = o311.get("request_list", fmt, {"status": "open,pending"})
    assert response.status_code == 400
    assert errors_of(response, fmt) == [
        {"code": 400, "description": "status: use open, closed or both (comma separated); not pending."}
    ]


def test_service_code_filter_and_unknown_codes(o311, tree):
    road = factories.petition(region=tree.grid_a, code="road")
    water = factories.petition(region=tree.grid_a, code="water")
    factories.petition(region=tree.grid_a, code="noise")

    def codes(params):
        return {row["service_request_id"] for row in o311.get("request_list", "json", params).json()}

    assert codes({"service_code": "road,water"}) == {road.tracking_code, water.tracking_code}
    assert codes({"service_code": "road"}) == {road.tracking_code}
    response = o311.get("request_list", "json", {"service_code": "road,pothole"})
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "service_code not found: pothole."}]


def test_service_request_id_list_overrides_every_other_filter(o311, tree):
    now = timezone.now()
    old = at(factories.petition(region=tree.grid_a, code="road"), now - dt.timedelta(days=400))
    recent = factories.petition(region=tree.grid_a, code="water")
    factories.petition(region=tree.grid_a)
    params = {
        "service_request_id": f"{old.tracking_code}, {recent.tracking_code.lower()},NOPE,<x>",
        "service_code": "noise",
        "status": "closed",
        "start_date": "garbage",
    }
    rows = o311.get("request_list", "json", params).json()
    assert [row["service_request_id"] for row in rows] == [recent.tracking_code, old.tracking_code]
    assert o311.get("request_list", "json", {"service_request_id": "NOPE"}).json() == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_date_window_defaults_to_the_last_90_days(o311, tree, fmt):
    now = timezone.now()
    inside = at(factories.petition(region=tree.grid_a), now - dt.timedelta(days=89))
    at(factories.petition(region=tree.grid_a), now - dt.timedelta(days=91))
    rows = requests_of(o311.get("request_list", fmt), fmt)
    assert [row["service_request_id"] for row in rows] == [inside.tracking_code]


def test_start_and_end_dates_in_w3c_format(o311, tree):
    base = dt.datetime(2026, 6, 1, 9, 30, 0, 500000, tzinfo=SHANGHAI)
    first = at(factories.petition(region=tree.grid_a), base)
    second = at(factories.petition(region=tree.grid_a), base + dt.timedelta(days=10))
    third = at(factories.petition(region=tree.grid_a), base + dt.timedelta(days=20))

    def codes(**params):
        response = o311.get("request_list", "json", params)
        assert response.status_code == 200, response.content
        return [row["service_request_id"] for row in response.json()]

    # Bounds are inclusive, to the second the responses show (09:30:00.5 counts as 09:30:00).
    assert codes(start_date="2026-06-01T09:30:00+08:00", end_date="2026-06-11T09:30:00+08:00") == [
        second.tracking_code,
        first.tracking_code,
    ]
    assert codes(start_date="2026-06-01T01:30:00Z", end_date="2026-06-01T01:30:00Z") == [first.tracking_code]
    assert codes(start_date="2026-06-01T09:30:01+08:00", end_date="2026-06-21T09:30:00+08:00") == [
        third.tracking_code,
        second.tracking_code,
    ]
    # One bound: the 90 days after the start, or before the end.
    assert codes(start_date="2026-06-05") == [third.tracking_code, second.tracking_code]
    assert codes(end_date="2026-06-05T00:00:00+08:00") == [first.tracking_code]
    # An unencoded "+" arrives as a space; it is read as the "+" it was.
    response = o311.client.get(
        url("request_list", "json") + "?start_date=2026-06-01T09:30:00+08:00&end_date=2026-06-02"
    )
    assert [row["service_request_id"] for row in response.json()] == [first.tracking_code]
    # Empty dates are absent dates: the last 90 days (these are older).
    assert codes(start_date="", end_date="") == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start_date": "yesterday"},
            "start_date: use the W3C date/time format with a time zone, e.g. 2026-11-27T09:30:00+08:00.",
        ),
        (
            {"end_date": "2026-06-01T09:30:00"},
            "end_date: use the W3C date/time format with a time zone, e.g. 2026-11-27T09:30:00+08:00.",
        ),
        ({"start_date": "2026-02-30T00:00:00Z"}, "start_date: this date or time does not exist."),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, None),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "end_date is before start_date."),
    ],
)
def test_malformed_dates_and_ranges_over_90_days_are_400(o311, fmt, params, message):
    response = o311.get("request_list", fmt, params)
    assert response.status_code == 400
    [error] = errors_of(response, fmt)
    assert error["code"] == 400
    assert error["description"] == (message or "start_date to end_date may span at most 90 days.")


def test_exactly_90_days_is_allowed(o311):
    params = {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-04-01T00:00:00+08:00"}
    assert o311.get("request_list", "json", params).status_code == 200


def test_at_most_the_configured_number_newest_first(o311, tree, settings):
    settings.OPEN311_MAX_REQUESTS = 3
    made = [factories.petition(region=tree.grid_a) for _ in range(5)]
    rows = o311.get("request_list", "json").json()
    assert [row["service_request_id"] for row in rows] == [p.tracking_code for p in reversed(made[2:])]
    response = o311.get("request_list", "json", {"service_request_id": ",".join(p.tracking_code for p in made)})
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "service_request_id: at most 3 IDs at once."}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_outside_the_jurisdiction_do_not_exist_here(o311, tree, settings, fmt):
    settings.OPEN311_REGION_CODE = tree.street_a.code
    inside = factories.petition(region=tree.grid_a)
    outside = factories.petition(region=tree.grid_b)
    rows = requests_of(o311.get("request_list", fmt), fmt)
    assert [row["service_request_id"] for row in rows] == [inside.tracking_code]
    response = o311.get("request_detail", fmt, service_request_id=outside.tracking_code)
    assert response.status_code == 404
    assert errors_of(response, fmt) == [
        {"code": 404, "description": f"service_request_id {outside.tracking_code} was not found."}
    ]


def test_a_region_code_that_does_not_exist_lists_nothing(o311, tree, settings):
    factories.petition(region=tree.grid_a)
    settings.OPEN311_REGION_CODE = "NOWHERE"
    assert o311.get("request_list", "json").json() == []
    assert o311.get("service_definition", "json", service_code="road").json()["attributes"][0]["values"] == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_and_nul_on_get(o311, fmt):
    response = o311.get("request_list", fmt, {"jurisdiction_id": "other.gov"})
    assert response.status_code == 404
    response = o311.get("request_list", fmt, {"status": "open\x00"})
    assert response.status_code == 400
    assert errors_of(response, fmt) == [{"code": 400, "description": "Parameters may not contain NUL characters."}]


def test_chinese_is_the_default_language(tree):
    from tests.open311.conftest import Open311Client

    petition = factories.petition(region=tree.grid_a, code="street_light")
    [row] = Open311Client(language="zh-hans").get("request_list", "json").json()
    assert row["service_request_id"] == petition.tracking_code and row["service_name"] == "路灯照明"
    response = Open311Client(language="zh-hans").get("request_list", "json", {"status": "x"})
    assert "status" in response.json()[0]["description"]


def test_control_characters_never_break_the_xml(o311, tree):
    import xml.etree.ElementTree as ET

    factories.petition(region=tree.grid_a, title="灯\x07坏了\x1b")
    response = o311.get("request_list", "xml")
    assert ET.fromstring(response.content).find("request/description").text == "灯坏了"
    assert json.loads(o311.get("request_list", "json").content)[0]["description"] == "灯\x07坏了\x1b"


# --- Query counts -----------------------------------------------------------------------------------

LIST_QUERIES = 3  # the jurisdiction's path, the requests (notes and Open311 row joined), the place names
LIST_WITH_KEY_QUERIES = 4  # … and the api_key


def test_list_query_count_is_fixed(o311, tree, staff, app_key, django_assert_num_queries):
    factories.petition(region=tree.grid_a)
    with django_assert_num_queries(LIST_QUERIES):
        assert len(o311.get("request_list", "xml").content) > 0
    _states(tree, staff)
    for _ in range(3):
        filed(o311, app_key, tree)
    with django_assert_num_queries(LIST_QUERIES):
        rows = requests_of(o311.get("request_list", "xml"), "xml")
    assert len(rows) == 1 + 8 + 3
    o311.get("request_list", "json", {"api_key": app_key.key})  # records last use (once a minute)
    with django_assert_num_queries(LIST_WITH_KEY_QUERIES):
        rows = o311.get("request_list", "json", {"api_key": app_key.key}).json()
    assert sum(1 for row in rows if row["lat"] is not None) == 3


def test_detail_query_count_is_fixed(o311, tree, app_key, django_assert_num_queries):
    petition = filed(o311, app_key, tree)
    with django_assert_num_queries(LIST_QUERIES):
        o311.get("request_detail", "json", service_request_id=petition.tracking_code)


@pytest.mark.parametrize(
    "number",
    [
        "13912345678",
        "139 1234 5678",
        "139-1234-5678",
        "139.1234.5678",
        "139/1234/5678",
        "(0574) 8765-4321",
        "+86 139 1234 5678",
        "１３９－１２３４－５６７８",
        "139 . 1234 . 5678",
    ],
)
def test_phone_numbers_in_a_public_title_are_masked_however_written(o311, tree, app_key, number):
    petition = filed(o311, app_key, tree, description=f"请联系{number}，路灯坏了3天\n详情")
    row = one(o311, "json", petition)
    assert row["description"] == "请联系***，路灯坏了3天"
    assert one(o311, "json", petition, api_key=app_key.key)["description"].startswith(f"请联系{number}")
