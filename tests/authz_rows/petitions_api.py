"""Matrix rows for the petitions API (/api/v1/).

Signed-out callers get DRF's 403 (session authentication has no challenge to offer), an item
outside the caller's scope is a 404, in scope without the right role a 403. Each POST body is
chosen so that a caller who is let through gets a deterministic answer that does not change the
item for the next principal: mostly a move the state machine refuses (400), which is what
"allowed through" looks like here.
"""

from __future__ import annotations

from grids.roles import Role
from petitions import services
from petitions.models import Klass
from tests.authz import Row, statuses
from tests.authz_rows.petitions_common import sibling
from tests.petitions import factories

# Who sees world.objects["petition_in"] (grid_a, routed to unit_a) and who may do what with it.
VIEWERS = {
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.HANDLER,
    Role.DISTRICT_STAFF,
    Role.EVALUATOR,
    Role.ADMIN,
}
TRIAGERS = {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}
HANDLERS = TRIAGERS | {Role.HANDLER}
REVEALERS = HANDLERS | {Role.GRID_LEADER}
# Who may file through the API: staff who may file, and residents for themselves.
FILERS = ["resident", "grid_leader", "community_staff", "street_staff", "district_staff", "admin", "multi"]

OUT_OF_SCOPE = statuses(404, anon=401)


def in_scope(allowed: set[str], ok: int) -> dict[str, int]:
    table = statuses(404, anon=401)
    table.update({role.value: 403 for role in VIEWERS})
    table.update({role.value: ok for role in allowed})
    return table


def _in(world, principal):
    return {"pk": world.objects["petition_in"].pk}


def _replied(world, principal):
    return {"pk": world.objects["petition_api_replied"].pk}


def _out(world, principal):
    return {"pk": world.objects["petition_out"].pk}


def _body(data: dict):
    return lambda world, principal: data


def _action(allowed: set[str], body: dict | None = None, *, target=_in) -> Row:
    return Row(
        expect=in_scope(allowed, 400),
        inside=target,
        outside=_out,
        outside_expect=OUT_OF_SCOPE,
        sibling=sibling,
        method="post",
        data=_body(body or {}),
        content_type="application/json",
    )


def _triage_body(world, principal):
    return {"klass": Klass.GENERAL, "unit": world.tree.unit_a.pk}


def _merge_body(world, principal):
    return {"into": world.objects["petition_in"].pk}  # into itself: refused by the service


def _evaluation_body(world, principal):
    petition = world.objects["petition_in"]  # routed, not replied: not waiting for an evaluation
    return {"code": petition.tracking_code, "token": services.evaluation_token(petition), "rating": "satisfied"}


ROWS: dict[str, Row] = {
    # GET lists; POST files: an empty body is refused with the reasons to those who may file.
    "petitions_api:petition_list": Row(
        expect=statuses(200, anon=401),
        also={"post": {**statuses(403, anon=401), **dict.fromkeys(FILERS, 400)}},
        content_type="application/json",
    ),
    "petitions_api:petition_detail": Row(
        expect=in_scope(VIEWERS, 200), inside=_in, outside=_out, outside_expect=OUT_OF_SCOPE, sibling=sibling
    ),
    "petitions_api:petition_reveal": Row(
        expect=in_scope(REVEALERS, 200),
        inside=_in,
        outside=_out,
        outside_expect=OUT_OF_SCOPE,
        sibling=sibling,
        method="post",
        content_type="application/json",
    ),
    "petitions_api:petition_claim": _action(TRIAGERS),
    "petitions_api:petition_triage": Row(
        expect=in_scope(TRIAGERS, 400),
        inside=_in,
        outside=_out,
        outside_expect=OUT_OF_SCOPE,
        sibling=sibling,
        method="post",
        data=_triage_body,
        content_type="application/json",
    ),
    "petitions_api:petition_self_handle": _action(TRIAGERS, {"klass": Klass.GENERAL}),
    "petitions_api:petition_merge": Row(
        expect=in_scope(TRIAGERS, 400),
        inside=_in,
        outside=_out,
        outside_expect=OUT_OF_SCOPE,
        sibling=sibling,
        method="post",
        data=_merge_body,
        content_type="application/json",
    ),
    "petitions_api:petition_accept": _action(HANDLERS, target=_replied),
    "petitions_api:petition_progress": _action(HANDLERS, {"text": "已派人查看"}, target=_replied),
    "petitions_api:petition_meeting": _action(HANDLERS, {"decision": "联席会议决定"}, target=_replied),
    "petitions_api:petition_request_info": _action(HANDLERS, {"question": "请补充照片"}, target=_replied),
    "petitions_api:petition_resume": _action(HANDLERS, {"answer": "已补充"}, target=_replied),
    "petitions_api:petition_return": _action(HANDLERS, {"reason": "不属于本单位"}, target=_replied),
    "petitions_api:petition_reply": _action(HANDLERS, {"reply": "已修复"}, target=_replied),
    "petitions_api:petition_close": _action(TRIAGERS),
    "petitions_api:petition_close_unfixed": _action(HANDLERS, target=_replied),
    "petitions_api:petition_reopen": _action(TRIAGERS, {"reason": "居民反映仍未解决"}),
    "petitions_api:petition_note": _action(HANDLERS, {"text": ""}),
    "petitions_api:petition_callback": _action(TRIAGERS, {"rating": "satisfied"}),
    "petitions_api:petition_third_party": _action({Role.EVALUATOR}, {"rating": "satisfied"}),
    # Public: the signed token is the credential, so every principal gets the same answer.
    "petitions_api:evaluation": Row(
        expect=statuses(400), method="post", data=_evaluation_body, content_type="application/json"
    ),
}


def build(world) -> None:
    """A replied item routed to unit_a (every handling move on it is refused)."""
    tree = world.tree
    staff = world.users["street_staff"]
    replied = factories.petition(region=tree.grid_a, phone="13912340003")
    replied = services.petition_triage(user=staff, petition=replied, klass=Klass.GENERAL, unit=tree.unit_a)
    replied = services.petition_accept(user=staff, petition=replied)
    replied = services.petition_reply(user=staff, petition=replied, reply="已修复")
    world.objects["petition_api_replied"] = replied
