"""A real Celery worker process of the export tests' own, on a queue of its own, that a test can kill.

Export jobs go to ``settings.EXPORT_QUEUE``; the tests point it at ``<test queue>-exports`` so the
session's shared worker (tests/conftest.py) never takes them, and this worker takes nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.conftest import _database_url


def export_queue() -> str:
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}-exports"


def purge(queue: str) -> None:
    """Drop tasks earlier sessions left on the queue (they would keep a new worker busy)."""
    from zhenhai.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


class ExportWorker:
    """``start()`` a worker, ``kill()`` it like a crash (SIGKILL: no acknowledgement, no clean-up)."""

    def __init__(self, *, queue: str, export_dir: Path, **env: str) -> None:
        self.queue, self.export_dir, self.extra = queue, export_dir, env
        self.process: subprocess.Popen | None = None
        self.count = 0

    def start(self) -> str:
        self.count += 1
        env = dict(os.environ)
        env.update(
            DATABASE_URL=_database_url(connection.settings_dict),
            REDIS_URL=settings.REDIS_URL,
            DJANGO_SETTINGS_MODULE="zhenhai.settings_test",
            EXPORT_QUEUE=self.queue,
            EXPORT_DIR=str(self.export_dir),
            **self.extra,
        )
        hostname = f"exports-{os.getpid()}-{self.count}@%h"
        log = open(Path(settings.BASE_DIR) / "var" / "test-worker-exports.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "zhenhai", "worker", "--pool=solo", "--loglevel=WARNING"]
            + ["-Q", self.queue, "-n", hostname, "--without-mingle", "--without-gossip", "--without-heartbeat"],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        return self._wait_for(hostname.split("@")[0])

    def _wait_for(self, name: str) -> str:
        from zhenhai.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the export worker exited during start-up (see var/test-worker-exports.log)")
            replies = app.control.ping(timeout=0.5) or []
            for reply in replies:
                for worker in reply:
                    if worker.startswith(name):
                        return worker
        self.kill()
        raise RuntimeError("the export worker did not answer a ping within 60 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(check, *, timeout: float = 60, every: float = 0.1, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
