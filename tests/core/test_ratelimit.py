"""The fixed-window rate limit (core.ratelimit) in the real Redis cache: the public status check, the
web form and Open311 all count through it."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.core.cache import cache

from core import ratelimit


@pytest.fixture
def keys():
    """Two keys no earlier run has counted (the counts outlive a test: they live in Redis)."""
    run = uuid.uuid4().hex
    names = [f"test:ratelimit:{run}:a", f"test:ratelimit:{run}:b"]
    yield names
    cache.delete_many(names)


def _ttl(key: str) -> int:
    return cache._cache.get_client(key).ttl(cache.make_key(key))  # Django's cache API has no TTL read


def test_every_key_counts_each_attempt_and_any_key_over_the_limit_refuses(keys):
    first, second = keys
    assert not ratelimit.over_limit([first], limit=2, window=60)
    assert not ratelimit.over_limit([first, second], limit=2, window=60)
    assert (cache.get(first), cache.get(second)) == (2, 1)
    assert ratelimit.over_limit([first, second], limit=2, window=60)  # the first key's third attempt
    assert (cache.get(first), cache.get(second)) == (3, 2)  # the other key still counted
    assert ratelimit.over_limit([second, first], limit=3, window=60) is True
    assert not ratelimit.over_limit([], limit=0, window=60)


def test_the_window_starts_at_the_first_attempt_and_later_attempts_do_not_extend_it(keys):
    key = keys[0]
    ratelimit.over_limit([key], limit=5, window=600)
    assert 590 < _ttl(key) <= 600
    cache._cache.get_client(key, write=True).expire(cache.make_key(key), 30)  # as if 570 s had passed
    ratelimit.over_limit([key], limit=5, window=600)
    assert cache.get(key) == 2 and 0 < _ttl(key) <= 30


def test_an_expired_window_starts_again(keys):
    key = keys[0]
    for _ in range(3):
        ratelimit.over_limit([key], limit=2, window=600)
    assert cache.get(key) == 3
    cache.delete(key)  # what the expiry does
    assert not ratelimit.over_limit([key], limit=2, window=600)
    assert cache.get(key) == 1 and _ttl(key) > 590


def test_an_unreachable_cache_lets_the_attempt_through_with_a_warning(keys, monkeypatch, caplog):
    with monkeypatch.context() as patched:  # undone before ``keys`` cleans up
        patched.setattr(cache._cache, "_pools", {0: redis.ConnectionPool.from_url("redis://127.0.0.1:1/0")})
        assert ratelimit.over_limit(keys, limit=0, window=60) is False
    assert "rate limit not applied: the cache is unreachable" in caplog.text
