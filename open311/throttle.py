"""Rate limits of POST requests, per api_key and per client address (``core.ratelimit``).

If the cache is unreachable the request goes through: the api_key, not the limit, is what keeps
strangers out.
"""

from __future__ import annotations

from core import ratelimit


def key_for_token(token_id: int) -> str:
    return f"open311:post:key:{token_id}"


def key_for_address(address: str) -> str:
    return f"open311:post:ip:{address or 'unknown'}"


def over_limit(key: str, *, limit: int, window: int) -> bool:
    """Count one attempt under ``key``; True once the window holds more than ``limit``."""
    return ratelimit.over_limit([key], limit=limit, window=window)
