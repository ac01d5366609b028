"""Matrix rows of the KPI reports: the roles with ``reports.view`` see them, everyone else a 404.

The region is a query parameter (default: the caller's top region), so the matrix checks the
default; tests/reports/test_views.py checks a region outside the caller's scope (404) for every
page, the PDF and the API.
"""

from grids.permissions import ACTION_ROLES
from reports.permissions import VIEW
from tests.authz import Row, statuses


def _viewers(ok: int = 200, anon: int = 302) -> dict[str, int]:
    table = statuses(404, anon=anon)
    table.update(dict.fromkeys((str(role) for role in ACTION_ROLES[VIEW]), ok))
    return table


ROWS = {
    "reports:dashboard": Row(expect=_viewers()),
    "reports:units": Row(expect=_viewers()),
    "reports:backlog": Row(expect=_viewers()),
    "reports:monthly_pdf": Row(expect=_viewers()),
    # DRF: signed out is a 403 (session authentication offers no challenge).
    "reports_api:kpis": Row(expect=_viewers(anon=401)),
}
