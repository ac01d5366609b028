"""The benchmark's baseline page and endpoint (core/trivial.py): any signed-in user, no data."""

from tests.authz import Row, statuses

ROWS = {
    "trivial": Row(expect=statuses(200, anon=302)),
    # The API's authentication and permissions: signed out is DRF's 403 (no token offered, no challenge).
    "api_trivial": Row(expect=statuses(200, anon=401), also={"post": statuses(200, anon=401)}),
}
