"""Matrix row of the monthly zero-backlog board: community, street and district staff and the admin."""

from grids.roles import Role
from tests.authz import Row, statuses

BOARD_ROLES = [Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN]


def _board_roles_only(ok: int = 200) -> dict[str, int]:
    table = statuses(404, anon=302)
    table.update(dict.fromkeys((r.value for r in BOARD_ROLES), ok))
    return table


ROWS = {
    "petitions:board": Row(expect=_board_roles_only()),
}
