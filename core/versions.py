"""Version numbers of data that pages keep drawn in the cache, bumped by the services that change it.

A fragment cached with ``{% cache … version %}`` (``using="fragments"``) is keyed by the current
version of what it shows; a service that changes that data calls ``bump``, so every process draws it
again on its next request. The numbers live in ``caches["fragments"]``: Redis while it answers, the
process's memory while it does not (``core.caches.FailoverCache``), so a page never fails
because of the cache.
"""

from __future__ import annotations

from django.core.cache import caches
from django.db import transaction

# The choice lists of the staff forms: categories, regions, handling units and the regions they cover.
CHOICES = "choices"


def _key(name: str) -> str:
    return f"version:{name}"


def current(name: str) -> int:
    return caches["fragments"].get_or_set(_key(name), 1, timeout=None)


def bump(name: str) -> None:
    """A new version of ``name`` now, and again when the transaction commits (a page drawn from the
    data before the commit is then not kept)."""

    def increment() -> None:
        cache = caches["fragments"]
        try:
            cache.incr(_key(name))
        except ValueError:  # no version yet (or it expired): start one past the default
            cache.set(_key(name), 2, timeout=None)

    increment()
    transaction.on_commit(increment)
