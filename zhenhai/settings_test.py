"""Test settings: the same stack (PostgreSQL, Redis, Celery), a cheap hasher, isolated queues."""

import os

os.environ["ZHENHAI_TESTING"] = "1"
# Each xdist worker (and the Celery worker it starts) gets its own queue and cache prefix. Set,
# not defaulted: the controller's values would otherwise be inherited by every worker.
# ZH_TEST_SLOT lets several test sessions run side by side in one checkout (own database, queues).
_slot = os.environ.get("ZH_TEST_SLOT", "")
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main") + (f"-{_slot}" if _slot else "")
os.environ["CELERY_QUEUE"] = f"zhenhai-test-{_worker}"
os.environ["CACHE_KEY_PREFIX"] = f"zhenhai-test-{_worker}"

from zhenhai.settings import *  # noqa: E402,F403

DEBUG = False
if _slot:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_slot}"}  # noqa: F405
MEDIA_ROOT = local_services.VAR_DIR / "test-media" / _worker  # noqa: F405
# A worker running an outbox delivery while a transactional test flushes the tables can deadlock
# the flush; tests that exercise delivery switch the after-commit kick back on.
OUTBOX_KICK_ON_COMMIT = False
# The demo's year of bulk items (petitions.demo) is left out of the many seed_demo calls of the
# browser tests; tests/petitions/test_demo_year.py and the journeys that need it switch it on.
DEMO_YEAR_ITEMS = 0
