"""Matrix rows of intake (staff who may file) and the public pages (everyone, signed in or not)."""

from grids.roles import Role
from petitions import services
from tests.authz import Row, statuses

FILERS = [Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN]


def _file_roles_only(ok: int = 200) -> dict[str, int]:
    table = statuses(404, anon=302)
    table.update(dict.fromkeys((r.value for r in FILERS), ok))
    return table


def _petition_in(world, principal):
    return {"pk": world.objects["petition_in"].pk}


def _petition_out(world, principal):
    return {"pk": world.objects["petition_out"].pk}


def _private_link(world, principal):
    petition = world.objects["petition_in"]
    return {"code": petition.tracking_code, "token": services.evaluation_token(petition)}


def _forged_link(world, principal):
    petition = world.objects["petition_in"]
    return {"code": petition.tracking_code, "token": services.evaluation_token(world.objects["petition_out"])}


ROWS = {
    # An empty filing comes back with its errors.
    "petitions:intake": Row(expect=_file_roles_only(), also={"post": _file_roles_only()}),
    "petitions:intake_duplicates": Row(expect=_file_roles_only(), also={"post": _file_roles_only()}),
    "petitions:intake_done": Row(
        expect=_file_roles_only(),
        inside=_petition_in,
        outside=_petition_out,
        outside_expect=statuses(404, anon=302),
    ),
    "petitions:public_report": Row(expect=statuses(200), also={"post": statuses(200)}),
    "petitions:public_regions": Row(expect=statuses(200)),
    # Nothing was just filed in this session: back to the form.
    "petitions:public_report_done": Row(expect=statuses(302)),
    "petitions:public_status": Row(expect=statuses(200), also={"post": statuses(200)}),
    "petitions:public_evaluate": Row(
        expect=statuses(200),
        also={"post": statuses(200)},  # an empty evaluation comes back with its errors
        inside=_private_link,
        outside=_forged_link,
        outside_expect=statuses(404),
    ),
}
