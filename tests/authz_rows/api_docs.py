"""Matrix rows for the API's documentation (/api/): public for everyone, no data in them."""

from __future__ import annotations

from tests.authz import Row, statuses

ROWS = {
    "api-schema": Row(expect=statuses(200)),
    "api-docs": Row(expect=statuses(200)),
    "api-redoc": Row(expect=statuses(200)),
}
