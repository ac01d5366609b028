"""Matrix rows of the staff queue and detail pages (objects from petitions_common.build).

``petition_in`` lies in grid_a, is routed to unit_a and awaits acceptance; ``petition_out`` lies in
another district. Viewers: grid leader, community, street and district staff, the evaluator, the
admin, and the handler of unit_a (through its unit). The POST bodies are chosen so that the outcome
does not depend on the order the principals run in: a note keeps the status, the bulk route is
refused per item (the item is already routed) and claim-next redirects whether or not it finds an
item to claim.
"""

import io

from PIL import Image

from grids.roles import Role
from petitions.models import Photo
from tests.authz import Row, statuses
from tests.authz_rows.petitions_common import sibling

VIEWERS = [
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.HANDLER,
    Role.DISTRICT_STAFF,
    Role.EVALUATOR,
    Role.ADMIN,
]
TRIAGERS = [Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN]
ACTORS = [*TRIAGERS, Role.HANDLER]  # may add a note to petition_in
REVEALERS = [Role.GRID_LEADER, *ACTORS]
NON_TRIAGING_VIEWERS = [r for r in VIEWERS if r not in TRIAGERS]


def _table(by_status: dict[int, list], default: int = 404) -> dict[str, int]:
    """Signed out → 302 to the sign-in page; roles listed per status; everyone else ``default``."""
    table = statuses(default, anon=302)
    for status, roles in by_status.items():
        table.update(dict.fromkeys((r.value for r in roles), status))
    return table


MATRIX_PHOTO = "petitions/authz-matrix.png"


def build(world) -> None:
    """One photo on each petition, for the photo rows. Every matrix test builds a new world, so
    the rows share one stored file instead of writing new ones each time."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    if not default_storage.exists(MATRIX_PHOTO):
        out = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="PNG")
        default_storage.save(MATRIX_PHOTO, ContentFile(out.getvalue()))
    for key in ("petition_in", "petition_out"):
        world.objects[f"{key}_photo"] = Photo.objects.create(petition=world.objects[key], image=MATRIX_PHOTO)


def _photo_inside(world, principal):
    return {**_inside(world, principal), "photo_pk": world.objects["petition_in_photo"].pk}


def _photo_outside(world, principal):
    return {**_outside(world, principal), "photo_pk": world.objects["petition_out_photo"].pk}


def _inside(world, principal):
    return {"pk": world.objects["petition_in"].pk}


def _outside(world, principal):
    return {"pk": world.objects["petition_out"].pk}


def _act_inside(world, principal):
    return {**_inside(world, principal), "action": "note"}


def _act_outside(world, principal):
    return {**_outside(world, principal), "action": "note"}


def _note(world, principal):
    return {"text": f"matrix note by {principal}", "public": ""}


def _bulk_route(world, principal):
    return {
        "operation": "route",
        "ids": [world.objects["petition_in"].pk],
        "klass": "general",
        "unit": world.tree.unit_a.pk,
    }


OUTSIDE = statuses(404, anon=302)

ROWS = {
    "petitions:queue": Row(expect=_table({200: VIEWERS})),
    "petitions:claim_next": Row(expect=_table({302: TRIAGERS, 403: NON_TRIAGING_VIEWERS}), method="post"),
    "petitions:bulk": Row(
        expect=_table({302: TRIAGERS, 403: NON_TRIAGING_VIEWERS}),
        method="post",
        data=_bulk_route,
    ),
    "petitions:detail": Row(
        expect=_table({200: VIEWERS}), inside=_inside, outside=_outside, outside_expect=OUTSIDE, sibling=sibling
    ),
    "petitions:photo": Row(
        expect=_table({200: VIEWERS}), inside=_photo_inside, outside=_photo_outside, outside_expect=OUTSIDE
    ),
    "petitions:act": Row(
        expect=_table({302: ACTORS, 403: [Role.GRID_LEADER, Role.EVALUATOR]}),
        inside=_act_inside,
        outside=_act_outside,
        outside_expect=OUTSIDE,
        sibling=lambda world, principal: {**sibling(world, principal), "action": "note"},
        method="post",
        data=_note,
    ),
    "petitions:reveal": Row(
        expect=_table({200: REVEALERS, 403: [Role.EVALUATOR]}),
        inside=_inside,
        outside=_outside,
        outside_expect=OUTSIDE,
        sibling=sibling,
        method="post",
    ),
}
