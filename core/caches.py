"""A cache that keeps working when Redis does not: the rate limits (``core.ratelimit``) and the cached
page fragments (``core.versions``) use it, so neither a limit nor a page fails with Redis."""

from __future__ import annotations

import logging

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

logger = logging.getLogger(__name__)


class FailoverCache(BaseCache):
    """A cache that uses ``OPTIONS["primary"]`` and, for any call the primary fails, the cache
    ``OPTIONS["fallback"]`` (the two are other aliases of ``CACHES``). What the rate limiters and the
    cached page fragments call is offered: add, get, set, get_or_set, incr, delete."""

    def __init__(self, location, params):
        options = params.get("OPTIONS", {})
        super().__init__({k: v for k, v in params.items() if k != "OPTIONS"})
        self._primary, self._fallback = options["primary"], options["fallback"]

    def _call(self, method: str, *args, **kwargs):
        try:
            return getattr(caches[self._primary], method)(*args, **kwargs)
        except ValueError:  # incr of a missing key: an answer, not a failure
            raise
        except Exception:  # Redis down or timing out
            logger.warning("%s: the shared cache is unreachable; using this process's", self._fallback, exc_info=True)
            return getattr(caches[self._fallback], method)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def get_or_set(self, key, default, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("get_or_set", key, default, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)
