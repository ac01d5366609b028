"""Fixed-window rate limits in the shared Redis cache, for public forms and machine clients.

Each key counts attempts in a window that starts at its first attempt. If the cache is unreachable
the request goes through: a public page and a machine client must still be served.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import cache

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The peer address a limit counts against (no proxy header: a client could pick its own)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_limit(keys: Iterable[str], *, limit: int, window: int) -> bool:
    """Count one attempt under each key; True when any key holds more than ``limit`` attempts."""
    try:
        over = False
        for key in keys:
            cache.add(key, 0, timeout=window)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr: a new window starts
                count = 1
                cache.set(key, count, timeout=window)
            over = count > limit or over
        return over
    except Exception:  # Redis down
        logger.warning("rate limit not applied: the cache is unreachable", exc_info=True)
        return False
