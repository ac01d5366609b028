"""Matrix rows of the KPI reports: community, street and district staff, the evaluator and the admin
see them, everyone else a 404.

The region is a query parameter (default: the caller's top region), so the matrix checks the
default; tests/reports/test_views.py checks a region outside the caller's scope (404) for every
page, the PDF and the API.
"""

from grids.roles import Role
from tests.authz import Row, statuses

REPORT_READERS = [Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.EVALUATOR, Role.ADMIN]


def _viewers(ok: int = 200, anon: int = 302) -> dict[str, int]:
    table = statuses(404, anon=anon)
    table.update(dict.fromkeys((r.value for r in REPORT_READERS), ok))
    return table


ROWS = {
    "reports:dashboard": Row(expect=_viewers()),
    "reports:units": Row(expect=_viewers()),
    "reports:backlog": Row(expect=_viewers()),
    "reports:monthly_pdf": Row(expect=_viewers()),
    # DRF: signed out is a 403 (session authentication offers no challenge).
    "reports_api:kpis": Row(expect=_viewers(anon=401)),
}
