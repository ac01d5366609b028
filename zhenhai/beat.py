"""Celery beat that acts only while it holds a lock in Redis (settings.CELERY_BEAT_SCHEDULER).

One beat per installation is the rule (deploy/systemd/zhenhai-beat.service); if a second is started
by mistake — on another host, or by a restart that overlaps — it waits instead of sending every
scheduled task a second time. The holder renews the lock on every tick (``CELERY_BEAT_MAX_LOOP_INTERVAL``
is well below ``BEAT_LOCK_SECONDS``); when it dies, the lock expires and a waiting beat takes over.
The lock is redis-py's own ``Lock`` (SET NX PX with a token, renewed and released by Lua scripts).
"""

from __future__ import annotations

import contextlib
import logging

import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from redis.exceptions import LockError

logger = logging.getLogger(__name__)


def lock_name() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'zhenhai')}:beat-lock"


class LockedScheduler(PersistentScheduler):
    """``PersistentScheduler`` that sends nothing unless it holds the installation's beat lock."""

    def __init__(self, *args, **kwargs) -> None:
        self._client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2, health_check_interval=30
        )
        self._lock = self._client.lock(
            lock_name(), timeout=settings.BEAT_LOCK_SECONDS, blocking=False, thread_local=False
        )
        self.holds_lock = False
        super().__init__(*args, **kwargs)

    def acquire_or_renew(self) -> bool:
        """Take the lock, or extend it when held; False when another beat holds it or Redis is away."""
        try:
            if self.holds_lock:
                self._lock.reacquire()
            else:
                self.holds_lock = bool(self._lock.acquire(blocking=False))
                if self.holds_lock:
                    logger.warning("beat: took the beat lock %s; sending scheduled tasks", lock_name())
        except (LockError, redis.RedisError) as exc:
            if self.holds_lock:
                logger.warning("beat: lost the beat lock (%s); waiting", exc.__class__.__name__)
            self.holds_lock = False
        return self.holds_lock

    def tick(self, *args, **kwargs) -> float:
        if not self.acquire_or_renew():
            # Another beat acts; look again soon so a dead holder is replaced within the lock's lifetime.
            return settings.BEAT_LOCK_RETRY_SECONDS
        return min(super().tick(*args, **kwargs), settings.BEAT_LOCK_RETRY_SECONDS)

    def close(self) -> None:
        if self.holds_lock:
            # Expired or Redis away: the lock then times out by itself.
            with contextlib.suppress(LockError, redis.RedisError):
                self._lock.release()
            self.holds_lock = False
        super().close()
