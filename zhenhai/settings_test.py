"""Test settings: the same stack (PostgreSQL, Redis, Celery), a cheap hasher, isolated queues."""

import os

os.environ["ZHENHAI_TESTING"] = "1"
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("CELERY_QUEUE", f"zhenhai-test-{_worker}")
os.environ.setdefault("CACHE_KEY_PREFIX", f"zhenhai-test-{_worker}")

from zhenhai.settings import *  # noqa: E402,F403

DEBUG = False
MEDIA_ROOT = local_services.VAR_DIR / "test-media" / _worker  # noqa: F405
# A worker running an outbox delivery while a transactional test flushes the tables can deadlock
# the flush; tests that exercise delivery switch the after-commit kick back on.
OUTBOX_KICK_ON_COMMIT = False
