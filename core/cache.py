"""The shared cache's own Redis client, for the few places that need what Django's cache API lacks:
a transaction of several commands in one round trip (``core.ratelimit``), a ping (``core.health``),
or a plain GET without the API building a new client object on every call (the queue's choice-list
token, ``petitions.forms``). Django's Redis backend keeps that client behind a private attribute;
this module is the one place that reaches it."""

from __future__ import annotations

import functools

import redis
from django.core.cache import cache


def _backend():
    return cache._cache  # django.core.cache.backends.redis.RedisCacheClient of this thread's cache


def redis_client(*, write: bool = False) -> redis.Redis:
    """A client over the cache's connection pools, built for this call (it follows a changed pool)."""
    return _backend().get_client(write=write)


def kept_redis_client() -> redis.Redis:
    """``redis_client(write=True)`` built once per cache backend (Django keeps one per thread and
    builds a new one when the setting changes)."""
    return _kept(_backend())


@functools.lru_cache(maxsize=32)
def _kept(backend) -> redis.Redis:
    return backend.get_client(write=True)


def redis_key(key: str) -> str:
    """The name the cache stores ``key`` under (its prefix and version), so ``cache.get(key)`` and
    the client read the same entry."""
    return cache.make_and_validate_key(key)
