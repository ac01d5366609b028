"""Coalesced outbox kicks (``core.outbox.kick``), without a worker: the flag in Redis decides."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache

from core import outbox
from core import tasks as core_tasks


class _Publishes:
    """Stands in for the delivery task in this process and counts what would be published."""

    def __init__(self, fail: bool = False) -> None:
        self.count, self.fail = 0, fail

    def apply_async(self, **kwargs) -> None:
        self.count += 1
        if self.fail:
            raise ConnectionError("broker down")


@pytest.fixture
def publishes(monkeypatch):
    cache.delete(outbox.KICK_FLAG)
    publishes = _Publishes()
    monkeypatch.setattr(core_tasks, "outbox_deliver", publishes)
    yield publishes
    cache.delete(outbox.KICK_FLAG)


@pytest.mark.django_db
def test_kicks_publish_once_until_a_delivery_starts(publishes):
    outbox.kick()
    outbox.kick()
    outbox.kick()
    assert publishes.count == 1
    assert cache.get(outbox.KICK_FLAG) is not None

    outbox.deliver()  # clears the flag before it reads the rows
    assert cache.get(outbox.KICK_FLAG) is None
    outbox.kick()
    assert publishes.count == 2


def test_the_flag_expires_on_its_own(publishes):
    outbox.kick()
    key = cache.make_and_validate_key(outbox.KICK_FLAG)
    assert 0 < cache._cache.get_client(key).ttl(key) <= outbox.KICK_FLAG_SECONDS


def test_a_failed_publish_warns_and_lets_the_next_kick_try_again(publishes, caplog):
    publishes.fail = True
    caplog.set_level(logging.WARNING, logger="core.outbox")
    outbox.kick()
    assert "could not publish the delivery task" in caplog.text
    assert cache.get(outbox.KICK_FLAG) is None
    outbox.kick()
    assert publishes.count == 2


def test_with_redis_down_every_kick_publishes_as_before(publishes, monkeypatch):
    class Down:
        def add(self, *args, **kwargs):
            raise ConnectionError("redis down")

    monkeypatch.setattr(outbox, "cache", Down())
    outbox.kick()
    outbox.kick()
    assert publishes.count == 2
