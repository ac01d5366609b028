"""Fixed-window rate limits in the shared Redis cache, for public forms and machine clients.

Each key counts attempts in a window that starts at its first attempt. If the cache is unreachable
the request goes through: a public page and a machine client must still be served.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from core.cache import redis_client, redis_key

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The peer address a limit counts against (no proxy header: a client could pick its own)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_limit(keys: Iterable[str], *, limit: int, window: int) -> bool:
    """Count one attempt under each key; True when any key holds more than ``limit`` attempts.

    One round trip for all the keys: a MULTI/EXEC transaction of ``SET key 0 EX window NX`` (the
    window starts at the first attempt) and ``INCR key`` per key, on the cache's own Redis client
    and key names (``core.cache``), so ``cache.get(key)`` reads the count.
    """
    try:
        names = [redis_key(key) for key in keys]
        if not names:
            return False
        # One round trip instead of three commands per key through ``cache.add``/``cache.incr``.
        pipe = redis_client(write=True).pipeline(transaction=True)
        for name in names:
            pipe.set(name, 0, ex=window, nx=True)
            pipe.incr(name)
        counts = pipe.execute()[1::2]
    except Exception:  # Redis down
        logger.warning("rate limit not applied: the cache is unreachable", exc_info=True)
        return False
    return any(count > limit for count in counts)
