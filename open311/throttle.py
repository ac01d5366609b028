"""Rate limits of POST requests, per api_key and per client address, in the shared Redis cache.

A fixed window per key from its first attempt. If the cache is unreachable the request goes
through: the api_key, not the limit, is what keeps strangers out.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def key_for_token(token_id: int) -> str:
    return f"open311:post:key:{token_id}"


def key_for_address(address: str) -> str:
    return f"open311:post:ip:{address or 'unknown'}"


def over_limit(key: str, *, limit: int, window: int) -> bool:
    """Count one attempt under ``key``; True once the window holds more than ``limit``."""
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window starts
            count = 1
            cache.set(key, count, timeout=window)
        return count > limit
    except Exception:  # Redis down: machine clients must still be able to file.
        logger.warning("Open311 rate limit not applied: the cache is unreachable", exc_info=True)
        return False
