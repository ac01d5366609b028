"""Reads served by a streaming standby (``DATABASE_REPLICA_URL``), writes and fresh reads by the primary.

PostgreSQL's own streaming replication keeps the standby (started with ``pg_basebackup -R``); this
module only decides, per query, which of the two answers:

- every write goes to the primary (``default``);
- a read goes to the standby only inside a *replica-eligible* context — a request to one of
  ``REPLICA_READ_PATHS`` (reports, the public status page), or code wrapped in :func:`replica_reads`
  — and only while that context has written nothing, no transaction is open on the primary, and
  the caller wrote nothing in the last ``REPLICA_PIN_SECONDS`` (a cookie the middleware sets after a
  request that wrote: read-your-own-writes across the redirect after a POST);
- when the standby lags more than ``REPLICA_MAX_LAG_SECONDS`` (30 s) or does not answer, reads fall
  back to the primary. The lag is asked of the standby at most every ``REPLICA_CHECK_SECONDS``.

Without ``DATABASE_REPLICA_URL`` neither the router nor the middleware is installed.
Raw SQL in the lag probe: replication state has no ORM form.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "zh_primary"

# Seconds the standby is behind the primary: 0 when it has replayed everything it received,
# else the age of the last replayed transaction. NULL on a server that is not a standby.
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN NULL
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


@dataclass
class _Context:
    eligible: bool
    wrote: bool = False


_context: contextvars.ContextVar[_Context | None] = contextvars.ContextVar("replica_context", default=None)
_probe_lock = threading.Lock()
_probe: tuple[float, float | None] = (float("-inf"), None)  # (monotonic time, lag) of the last probe


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads(eligible: bool = True) -> Iterator[None]:
    """Reads inside may come from the standby (until something is written inside)."""
    token = _context.set(_Context(eligible=eligible))
    try:
        yield
    finally:
        _context.reset(token)


def lag() -> float | None:
    """The standby's lag in seconds, or None when it does not answer or is not a standby."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            value = cursor.fetchone()[0]
    except DatabaseError:
        connection.close()  # a fresh connection next time, when it may be back
        return None
    return None if value is None else float(value)


def standby_fresh() -> bool:
    """True while the standby answers and lags no more than ``REPLICA_MAX_LAG_SECONDS``."""
    global _probe
    now = time.monotonic()
    with _probe_lock:
        checked, value = _probe
        if now - checked >= settings.REPLICA_CHECK_SECONDS:
            value = lag()
            _probe = (time.monotonic(), value)
    return value is not None and value <= settings.REPLICA_MAX_LAG_SECONDS


def forget_probe() -> None:
    """Ask the standby again on the next read (tests, and after an operator's change)."""
    global _probe
    with _probe_lock:
        _probe = (float("-inf"), None)


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: see the module docstring for the rules."""

    def db_for_read(self, model, **hints) -> str:
        context = _context.get()
        if context is None or not context.eligible or context.wrote:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # inside a transaction on the primary: read what it sees
        return REPLICA if standby_fresh() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        context = _context.get()
        if context is not None:
            context.wrote = True  # from now on this context reads its own writes
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db != REPLICA  # the standby follows the primary; nothing is migrated on it


class ReplicaMiddleware:
    """Marks requests to ``REPLICA_READ_PATHS`` as replica-eligible, unless the caller wrote within
    ``REPLICA_PIN_SECONDS`` (the pin cookie); a request that writes sets the pin cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        eligible = request.path.startswith(tuple(settings.REPLICA_READ_PATHS)) and PIN_COOKIE not in request.COOKIES
        token = _context.set(_Context(eligible=eligible))
        try:
            response = self.get_response(request)
            if _context.get().wrote:
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.REPLICA_PIN_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
        finally:
            _context.reset(token)
