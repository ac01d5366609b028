"""Matrix rows of Open311 GeoReport v2 (/open311/v2/): public by the specification, so every
principal gets the same answer; a session never matters (machine clients use an api_key).

Inside the jurisdiction (the region of ``OPEN311_REGION_CODE``) a request is found, outside it
answers 404 for everyone, exactly as an unknown one. POST requests needs an api_key: its row is the
GET of the same URL; tests/open311 covers the POST side (403 without a key, for every caller).
"""

from __future__ import annotations

from django.conf import settings

from accounts.models import Scope
from accounts.tokens import api_token_create
from grids import services as grid_services
from grids.models import Region
from open311 import services
from petitions.models import Category
from tests.authz import Row, statuses


def _fmt(fmt: str):
    return lambda world, principal: {"fmt": fmt}


def _definition(code: str, fmt: str):
    return lambda world, principal: {"service_code": code, "fmt": fmt}


def _request_in(world, principal):
    return {"service_request_id": world.objects["open311_request"].petition.tracking_code, "fmt": "xml"}


def _request_out(world, principal):
    return {"service_request_id": world.objects["petition_out"].tracking_code, "fmt": "json"}


def _token_in(world, principal):
    return {"token": world.objects["open311_request"].token, "fmt": "json"}


def _token_out(world, principal):
    return {"token": "no-such-token", "fmt": "xml"}


ROWS = {
    "open311:index": Row(expect=statuses(200)),
    "open311:discovery": Row(
        expect=statuses(200), inside=_fmt("json"), outside=_fmt("xml"), outside_expect=statuses(200)
    ),
    "open311:service_list": Row(expect=statuses(200), inside=_fmt("xml")),
    "open311:service_definition": Row(
        expect=statuses(200),
        inside=_definition("road", "json"),
        outside=_definition("no_such_service", "xml"),
        outside_expect=statuses(404),
    ),
    # POST creates a request with an api_key; without one it is the specification's 403.
    "open311:request_list": Row(expect=statuses(200), inside=_fmt("json"), also={"post": statuses(403)}),
    "open311:request_detail": Row(
        expect=statuses(200), inside=_request_in, outside=_request_out, outside_expect=statuses(404)
    ),
    "open311:token": Row(expect=statuses(200), inside=_token_in, outside=_token_out, outside_expect=statuses(404)),
    "open311:fallback": Row(expect=statuses(404), inside=lambda world, principal: {"rest": "nothing/here.json"}),
}


def build(world) -> None:
    """The jurisdiction's district (the configured code) with one community and one request filed
    through Open311 by a resident's key; the tree's foreign district is outside it."""
    code = settings.OPEN311_REGION_CODE
    district = Region.objects.filter(code=code).first() or grid_services.region_create(
        name="镇海区", code=code, kind=Region.Kind.DISTRICT
    )
    street = grid_services.region_create(name="招宝山街道", code=code + "901", kind=Region.Kind.STREET, parent=district)
    community = grid_services.region_create(
        name="总浦桥社区", code=code + "901001", kind=Region.Kind.COMMUNITY, parent=street
    )
    resident = world.users["resident"]
    api_token, _key = api_token_create(
        assignment=resident.role_assignments.get(), name="matrix app", scopes=[Scope.OPEN311]
    )
    world.objects["open311_request"] = services.service_request_create(
        api_token=api_token,
        category=Category.objects.get(code="road"),
        region=community,
        title="路面破损",
        description="路面破损",
        address="清川佳园门口",
    )
