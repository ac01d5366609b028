"""Rate limits: one cache alias (``ratelimit``) for the two libraries that count.

- django-ratelimit limits the pages and forms (the public status check, the public report form,
  sign-in per address, Open311 POSTs) and the SMS sent to numbers nobody verified;
- DRF's throttles limit the REST API (``accounts.api_auth``), DRF's own way with ``Retry-After``.

Both count in ``caches["ratelimit"]``, a ``core.caches.FailoverCache``: the shared Redis cache while
it answers, and a per-process count while it does not. A limit therefore never switches off when
Redis is down (an attacker gets at most one allowance per web process instead of one in all), and a
request never fails because of the cache. ``RATELIMIT_FAIL_OPEN`` stays False: should the count fail anyway, the
request is refused.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django_ratelimit.core import get_usage

# Anonymous submissions that may carry uploads (the public report form), and request bodies refused as
# too large (``core.middleware.RequestSizeLimitMiddleware``), count together per client address.
UPLOADS = "uploads"


def client_ip(request) -> str:
    """The client's address: the peer, or with ``NUM_PROXIES`` trusted proxies in front, the address
    the nearest of them saw (as DRF's throttles read it), so a client cannot pick its own."""
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def digest(value: str) -> str:
    """A short stand-in for a value that must not be stored in the cache as it is (a phone number)."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _usage(group: str, value: str, rate: str, *, increment: bool) -> dict | None:
    # A key function instead of a request attribute: the value is worked out by the caller.
    return get_usage(None, group=group, key=lambda _group, _request: value, rate=rate, increment=increment)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def window_seconds(rate: str) -> int:
    """How long one window of ``rate`` lasts, in seconds: "20/15m" → 900 (django-ratelimit's form)."""
    period = rate.split("/", 1)[1]
    number, unit = period[:-1], period[-1]
    return int(number or 1) * _UNITS[unit]


def hit(group: str, value: str, rate: str) -> bool:
    """Count one attempt of ``value`` in ``group``; True when it is over ``rate`` ("10/10m")."""
    usage = _usage(group, value, rate, increment=True)
    return usage is not None and usage["should_limit"]


def exhausted(group: str, value: str, rate: str) -> bool:
    """Whether ``value`` has already used up ``rate`` in ``group``, counting nothing."""
    usage = _usage(group, value, rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]
