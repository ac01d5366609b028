"""Matrix rows for the API's documentation (/api/): public for everyone, no data in them."""

from __future__ import annotations

from tests.authz import Row, statuses

ROWS = {
    "api-schema": Row(expect=statuses(200)),
    "api-docs": Row(expect=statuses(200)),
    "api-redoc": Row(expect=statuses(200)),
}


def build(world) -> None:
    """Everyone reads the docs anonymously (no credentials are looked at), so all principals share
    the anonymous allowance of 127.0.0.1: start each run with a fresh one."""
    from django.core.cache import cache

    cache.delete("throttle_anon_127.0.0.1")
