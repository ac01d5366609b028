"""POST requests: a report from a civic app enters the normal pipeline (channel open311, triage
deadline, the staff queue); every kind of bad input answers the specification's error, never a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Scope
from accounts.tokens import api_token_revoke
from open311.models import ServiceRequest
from petitions.models import Category, Channel, Deadline, Petition, Status
from tests.grids import factories as grid_factories
from tests.open311.conftest import FORMATS, errors_of, make_key, parse, url

pytestmark = pytest.mark.django_db


def report(app_key, tree, **fields) -> dict:
    data = {
        "api_key": app_key.key,
        "jurisdiction_id": "zh.gov.cn",
        "service_code": "street_light",
        "lat": "29.948610",
        "long": "121.713720",
        "address_string": "清川佳园3号楼前",
        "email": "chen@example.com",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "秀英",
        "last_name": "陈",
        "phone": "139 1234 5678",
        "description": "3号楼前的路灯已经坏了一周。\n晚上很黑。",
        "media_url": "https://img.example.com/a.jpg",
        "attribute[region]": tree.community_a.code,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def created_row(response, fmt: str) -> dict:
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list) and len(body) == 1
        return body[0]
    assert body.tag == "service_requests"
    [element] = list(body)
    assert element.tag == "request"
    return {child.tag: child.text for child in element}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_is_filed_through_the_intake_service(o311, tree, app_key, fmt):
    response = o311.post(fmt, report(app_key, tree))
    assert response.status_code == 200, response.content
    row = created_row(response, fmt)
    assert list(row) == ["service_request_id", "service_notice", "account_id"]  # realtime: no token
    assert row["account_id"] is None
    assert "text messages" in row["service_notice"]
    petition = Petition.objects.get(tracking_code=row["service_request_id"])
    assert petition.channel == Channel.OPEN311
    assert petition.status == Status.NEW
    assert petition.category.code == "street_light"
    assert petition.region == tree.community_a
    assert petition.title == "3号楼前的路灯已经坏了一周。"
    assert petition.description == "3号楼前的路灯已经坏了一周。\n晚上很黑。"
    assert petition.address == "清川佳园3号楼前"
    assert (petition.latitude, petition.longitude) == (Decimal("29.948610"), Decimal("121.713720"))
    assert (petition.reporter_name, petition.reporter_phone, petition.anonymous) == ("陈秀英", "13912345678", False)
    assert petition.filed_by == app_key.user
    # The normal pipeline: a running triage deadline, the filing on the public timeline.
    assert list(petition.deadlines.filter(met_at__isnull=True).values_list("kind", flat=True)) == [Deadline.Kind.TRIAGE]
    assert petition.next_due_at is not None
    assert petition.timeline.filter(action="file", public=True).exists()
    # The client's photo link is an internal note for staff, never public.
    note = petition.timeline.get(action="note")
    assert note.public is False and "https://img.example.com/a.jpg" in note.text
    extra = ServiceRequest.objects.get(petition=petition)
    assert extra.api_token == app_key.token
    assert (extra.device_id, extra.account_id, extra.media_url) == (
        "tt222111",
        "123456",
        "https://img.example.com/a.jpg",
    )
    assert extra.attributes == {"region": [tree.community_a.code]}
    assert len(extra.token) >= 20


def test_the_filed_report_is_in_the_staff_queue(o311, client, tree, app_key):
    code = o311.post("json", report(app_key, tree)).json()[0]["service_request_id"]
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    page = client.get(reverse("petitions:queue"), {"channel": Channel.OPEN311}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert code in page.content.decode()


def test_anonymous_without_name_and_phone_and_html_is_stripped(o311, tree, app_key):
    data = report(
        app_key,
        tree,
        first_name=None,
        last_name=None,
        phone="",
        description='<p onclick="x()">Lamp <b>broken</b></p><script>alert(1)</script> &lt;img src=x&gt;',
        media_url=None,
    )
    response = o311.post("json", data)
    assert response.status_code == 200, response.content
    assert response.json()[0]["service_notice"] == "Received. It will be triaged within one working day."
    petition = Petition.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert petition.anonymous and petition.reporter_name == "" and petition.reporter_phone == ""
    assert petition.description == "Lamp brokenalert(1)"
    assert "<" not in petition.title and ">" not in petition.title
    assert not petition.timeline.filter(action="note").exists()


def test_without_description_the_service_name_is_the_title(o311, tree, app_key):
    response = o311.post("json", report(app_key, tree, description=""))
    petition = Petition.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert petition.title == petition.description == "Street lighting"


def test_a_long_first_line_is_shortened_for_the_title(o311, tree, app_key):
    response = o311.post("json", report(app_key, tree, description="路" * 100))
    petition = Petition.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert petition.title == "路" * 39 + "…" and petition.description == "路" * 100


def test_latin_names_keep_their_order(o311, tree, app_key):
    response = o311.post("json", report(app_key, tree, first_name="John", last_name="Smith"))
    petition = Petition.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert petition.reporter_name == "John Smith"


def test_address_string_alone_or_address_id_alone_is_a_location(o311, tree, app_key):
    assert o311.post("json", report(app_key, tree, lat=None, long=None)).status_code == 200
    response = o311.post("json", report(app_key, tree, lat=None, long=None, address_string="", address_id="A-17"))
    assert response.status_code == 200
    assert ServiceRequest.objects.get(petition__tracking_code=response.json()[0]["service_request_id"]).address_id == (
        "A-17"
    )


def test_multipart_is_accepted_too(o311, tree, app_key):
    response = o311.client.post(url("request_list", "json"), report(app_key, tree))  # Client.post's multipart
    assert response.status_code == 200
    assert Petition.objects.get(tracking_code=response.json()[0]["service_request_id"]).region == tree.community_a


@pytest.mark.parametrize("fmt", FORMATS)
def test_batch_mode_answers_a_token_that_tokens_resolves(o311, tree, app_key, settings, fmt):
    settings.OPEN311_SERVICE_TYPE = "batch"
    assert o311.get("service_list", "json").json()[0]["type"] == "batch"
    row = created_row(o311.post(fmt, report(app_key, tree)), fmt)
    assert list(row) == ["token", "service_notice", "account_id"]  # a token, never both
    response = o311.get("token", fmt, token=row["token"])
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        [resolved] = body
    else:
        assert body.tag == "service_requests" and body[0].tag == "request"
        resolved = {c.tag: c.text for c in body[0]}
    petition = Petition.objects.get(open311_request__token=row["token"])
    assert resolved == {"service_request_id": petition.tracking_code, "token": row["token"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_token_is_404(o311, fmt):
    response = o311.get("token", fmt, token="nope")
    assert response.status_code == 404
    assert errors_of(response, fmt) == [{"code": 404, "description": "This token was not found."}]


# --- api_key ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_or_wrong_api_key_is_403(o311, tree, app_key, fmt):
    for key in (None, "", "zh_deadbeef_wrong", "nonsense", app_key.key + "x"):
        response = o311.post(fmt, report(app_key, tree, api_key=key))
        assert response.status_code == 403
        [error] = errors_of(response, fmt)
        assert error["code"] == 403 and "api_key" in error["description"]
    assert not Petition.objects.exists()


def test_revoked_key_and_key_without_the_open311_scope_are_403(o311, tree, app_key):
    staff_key = make_key(role="street_staff", region=tree.street_a, scopes=[Scope.PETITIONS_READ])
    assert o311.post("json", report(staff_key, tree)).status_code == 403
    api_token_revoke(token=app_key.token)
    assert o311.post("json", report(app_key, tree)).status_code == 403
    assert not Petition.objects.exists()


def test_api_key_in_the_query_string_is_accepted(o311, tree, app_key):
    data = report(app_key, tree, api_key=None)
    response = o311.client.post(url("request_list", "json") + f"?api_key={app_key.key}", data)
    assert response.status_code == 200


# --- Bad input --------------------------------------------------------------------------------------


def _error(o311, data, fmt="json", status=400) -> list[str]:
    response = o311.post(fmt, data)
    assert response.status_code == status, response.content
    errors = errors_of(response, fmt)
    assert {e["code"] for e in errors} == {status}
    return [e["description"] for e in errors]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_code_missing_is_400_unknown_or_inactive_is_404(o311, tree, app_key, fmt):
    assert _error(o311, report(app_key, tree, service_code=""), fmt) == ["service_code is missing."]
    assert _error(o311, report(app_key, tree, service_code="pothole"), fmt, 404) == [
        "service_code pothole was not found."
    ]
    Category.objects.filter(code="street_light").update(is_active=False)
    assert _error(o311, report(app_key, tree), fmt, 404) == ["service_code street_light was not found."]
    assert not Petition.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_foreign_jurisdiction_is_404(o311, tree, app_key, fmt):
    [description] = _error(o311, report(app_key, tree, jurisdiction_id="sfgov.org"), fmt, 404)
    assert "sfgov.org" in description


def test_region_attribute_missing_unknown_or_outside_is_400(o311, tree, app_key, settings):
    assert _error(o311, report(app_key, tree, **{"attribute[region]": None})) == [
        "attribute[region] is required: the code of the community or village."
    ]
    assert _error(o311, report(app_key, tree, **{"attribute[region]": "XYZ"})) == [
        "attribute[region]: XYZ is not a community or village of this jurisdiction."
    ]
    # A compound is not a value of the list, and neither is a community outside the jurisdiction.
    assert len(_error(o311, report(app_key, tree, **{"attribute[region]": tree.compound_a.code}))) == 1
    settings.OPEN311_REGION_CODE = tree.street_b.code
    assert len(_error(o311, report(app_key, tree))) == 1
    assert not Petition.objects.exists()


def test_unknown_attributes_and_two_regions_are_400(o311, tree, app_key):
    data = report(app_key, tree, **{"attribute[colour][]": ["red", "blue"], "attribute[WHISPAWN]": "1"})
    assert _error(o311, data) == ["Unknown attributes: WHISPAWN, colour."]
    data = report(app_key, tree, **{"attribute[region][]": [tree.community_a.code, tree.community_b.code]})
    del data["attribute[region]"]
    assert _error(o311, data) == ["attribute[region] takes one value."]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lat": "91", "long": "121.7"}, "lat/long (WGS84) is outside the area this portal serves."),
        ({"lat": "37.76", "long": "-122.42"}, "lat/long (WGS84) is outside the area this portal serves."),
        ({"lat": "nan", "long": "121.7"}, "lat: Enter a number."),
        ({"lat": "29.9", "long": "inf"}, "long: Enter a number."),
        ({"lat": "29.9", "long": "east"}, "long: Enter a number."),
        ({"lat": "29.9", "long": None}, "lat and long must be sent together."),
        (
            {"lat": None, "long": None, "address_string": "", "address_id": ""},
            "Send the location: lat and long, address_string or address_id.",
        ),
        ({"phone": "12345"}, "phone: Enter a valid mainland China mobile number, e.g. 138 0000 0000."),
        ({"media_url": "javascript:alert(1)"}, "media_url: Enter an http or https URL."),
        ({"first_name": "名" * 33}, "first_name: Ensure this value has at most 32 characters (it has 33)."),
    ],
)
def test_bad_fields_are_400_naming_the_parameter(o311, tree, app_key, fields, message):
    assert _error(o311, report(app_key, tree, **fields)) == [message]
    assert not Petition.objects.exists()


def test_several_problems_are_reported_together(o311, tree, app_key):
    data = report(app_key, tree, phone="1", media_url="ftp://x", **{"attribute[region]": None})
    assert len(_error(o311, data)) == 3


def test_description_over_4000_characters_is_400(o311, tree, app_key):
    assert _error(o311, report(app_key, tree, description="坑" * 4001)) == [
        "description: At most 4000 characters (this one has 4001)."
    ]
    assert o311.post("json", report(app_key, tree, description="坑" * 4000)).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_nul_bytes_are_400(o311, tree, app_key, fmt):
    assert _error(o311, report(app_key, tree, description="灯\x00坏了"), fmt) == [
        "Parameters may not contain NUL characters."
    ]
    assert not Petition.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_oversized_body_is_413_in_the_error_format(o311, tree, app_key, settings, fmt):
    settings.OPEN311_MAX_BODY_BYTES = 2048
    response = o311.client.post(
        url("request_list", fmt),
        "description=" + "x" * 4000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert errors_of(response, fmt)[0]["code"] == 413


def test_body_over_djangos_own_limit_is_413_not_an_html_400(o311, settings):
    settings.OPEN311_MAX_BODY_BYTES = 10 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = o311.client.post(
        url("request_list", "xml"), "description=" + "x" * 4000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert errors_of(response, "xml")[0]["code"] == 413


def test_a_json_body_is_refused_with_a_clear_400(o311, tree, app_key):
    response = o311.client.post(url("request_list", "json"), report(app_key, tree), content_type="application/json")
    assert response.status_code == 400
    assert errors_of(response, "json") == [
        {"code": 400, "description": "Send the fields form-encoded (application/x-www-form-urlencoded)."}
    ]


# --- Throttle ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_posts_are_limited_per_api_key(o311, tree, app_key, other_key, settings, fmt):
    settings.OPEN311_POST_LIMIT_PER_KEY = (2, 60)
    for _ in range(2):
        assert o311.post(fmt, report(app_key, tree)).status_code == 200
    response = o311.post(fmt, report(app_key, tree))
    assert response.status_code == 429
    assert errors_of(response, fmt) == [
        {"code": 429, "description": "Too many requests with this api_key; try again later."}
    ]
    assert o311.post(fmt, report(other_key, tree)).status_code == 200  # another key has its own count
    assert Petition.objects.count() == 3


def test_posts_are_limited_per_client_address(o311, tree, app_key, other_key, settings):
    settings.OPEN311_POST_LIMIT_PER_ADDRESS = (2, 60)
    assert o311.post("json", report(app_key, tree)).status_code == 200
    assert o311.post("json", report(other_key, tree, api_key="wrong")).status_code == 403  # counted too
    assert _error(o311, report(other_key, tree), status=429) == [
        "Too many requests from this address; try again later."
    ]
    response = o311.client.post(url("request_list", "json"), report(other_key, tree), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200


def test_the_timeline_is_the_same_as_for_the_web_form(o311, tree, app_key):
    from tests.petitions import factories

    web = factories.petition(region=tree.community_a)
    code = o311.post("json", report(app_key, tree, media_url=None)).json()[0]["service_request_id"]
    ours = Petition.objects.get(tracking_code=code)
    actions = [list(p.timeline.order_by("id").values_list("action", "public")) for p in (web, ours)]
    assert actions[0] == actions[1] and actions[1][0] == ("file", True)


def test_post_needs_no_csrf_token(tree, app_key):
    from urllib.parse import urlencode

    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    body = urlencode(report(app_key, tree))
    response = client.post(url("request_list", "json"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
