"""Matrix row of the monthly zero-backlog board: the roles with ``petitions.board`` see it."""

from grids.permissions import ACTION_ROLES
from petitions.permissions import BOARD
from tests.authz import Row, statuses


def _board_roles_only(ok: int = 200) -> dict[str, int]:
    table = statuses(404, anon=302)
    table.update(dict.fromkeys((str(role) for role in ACTION_ROLES[BOARD]), ok))
    return table


ROWS = {
    "petitions:board": Row(expect=_board_roles_only()),
}
