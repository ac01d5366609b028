"""Rate limits of POST requests, per api_key and per client address (``core.ratelimit``)."""

from __future__ import annotations

from django.conf import settings

from core import ratelimit


def address_over_limit(request) -> bool:
    """Count one POST from the client's address; True once its window holds more than allowed."""
    return ratelimit.hit("open311-post-address", ratelimit.client_ip(request), settings.OPEN311_POST_LIMIT_PER_ADDRESS)


def key_over_limit(token_id: int) -> bool:
    """Count one POST with this api_key; True once its window holds more than allowed."""
    return ratelimit.hit("open311-post-key", str(token_id), settings.OPEN311_POST_LIMIT_PER_KEY)
