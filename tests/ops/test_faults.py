"""Fault drill: PostgreSQL stopped and started again while petitions are being filed.

The portal runs under gunicorn with deploy/gunicorn.conf.py and persistent connections, as in
production, against a PostgreSQL of the drill's own. The test files through the API in a loop
while it stops that PostgreSQL for two seconds and starts it again: every request during the
outage is a fast, clear 503 with Retry-After, never a 500; nothing is lost, duplicated or
half-written; afterwards filing works again without restarting the portal."""

from __future__ import annotations

import collections
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.ops.standby import PostgresPair, bin_dir


@pytest.fixture(scope="module")
def server():
    if bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs PostgreSQL's server binaries under /usr/lib/postgresql for the fault drill")
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql to start a server from")
    servers = PostgresPair()
    try:
        servers.start_primary()
        yield servers
    finally:
        servers.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _post(url: str, key: str, body: dict) -> tuple[int, dict, float, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Accept-Language": "en"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), time.monotonic() - started, ""
    except urllib.error.HTTPError as exc:
        return (
            exc.code,
            {},
            time.monotonic() - started,
            exc.read().decode()[:300] + f"|{exc.headers.get('Retry-After')}",
        )


def test_postgres_restarted_during_filings(server, tmp_path):
    port = _free_port()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="zhenhai.settings_test",
        DATABASE_URL=server.url(server.primary_port),
        REDIS_URL=settings.REDIS_URL,
        CONN_MAX_AGE="60",  # persistent connections, as in production: they must recover by themselves
        ZH_TEST_SLOT="faults",
        API_THROTTLE_TOKEN="100000/minute",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="2",
        GUNICORN_LOG_DIR=str(tmp_path),
    )
    _run(env, "manage.py", "migrate", "--noinput")
    seeded = json.loads(_run(env, "-m", "tests.ops.fault_probe", "setup"))
    gunicorn = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--config", "deploy/gunicorn.conf.py"],
        env=env,
        cwd=settings.BASE_DIR,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api/v1/petitions/"
    statuses: collections.Counter = collections.Counter()
    filed: list[int] = []
    refusals: list[tuple[float, str]] = []
    stop = threading.Event()

    def file_in_a_loop():
        while not stop.is_set():
            status, answer, seconds, text = _post(url, seeded["key"], seeded["body"])
            statuses[status] += 1
            if status == 201:
                filed.append(answer["petition"]["id"])
            else:
                refusals.append((seconds, f"{status} {text}"))
            time.sleep(0.05)

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        filer = threading.Thread(target=file_in_a_loop)
        filer.start()
        time.sleep(2)  # filings succeed
        server.stop_primary()
        time.sleep(2)  # filings meet a database that is away
        server.start_primary_again()
        time.sleep(2)  # and succeed again, on the same gunicorn worker
        stop.set()
        filer.join(60)
        after = [_post(url, seeded["key"], seeded["body"]) for _ in range(5)]
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(30)
    filed += [answer["petition"]["id"] for status, answer, _, _ in after if status == 201]

    assert [status for status, *_ in after] == [201] * 5
    assert set(statuses) == {201, 503}, (statuses, refusals[:3])  # never a 500
    assert statuses[503] >= 3 and statuses[201] >= 10, statuses
    for seconds, text in refusals:
        assert text.startswith("503 ") and text.endswith("|5") and "try again" in text, text  # Retry-After: 5
        assert seconds < 5, seconds  # refused fast, not hung

    report = json.loads(_run(env, "-m", "tests.ops.fault_probe", "check"))
    assert len(filed) == len(set(filed))  # nothing answered twice
    in_database = set(report["ids"])
    assert set(filed) <= in_database  # nothing answered and then lost
    # A request cut off as it committed may have been saved unanswered, never more than that.
    assert len(in_database - set(filed)) <= statuses[503]
    for problem in ("without_timeline", "without_deadline", "without_outbox", "outbox_for_nothing"):
        assert report[problem] == [], (problem, report[problem])  # nothing half-written


def _handled(rf, path: str, exc: Exception):
    from core.faults import server_error

    try:
        raise exc
    except Exception:
        return server_error(rf.get(path))


def test_a_database_that_is_away_is_a_translated_503_and_other_errors_stay_500(rf):
    from django.db import InterfaceError, OperationalError
    from django.utils import translation

    with translation.override("zh-hans"):
        page = _handled(rf, "/petitions/", OperationalError("connection refused"))
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "服务暂时不可用" in page.content.decode()
    with translation.override("en"):
        api = _handled(rf, "/api/v1/petitions/", InterfaceError("connection already closed"))
    assert api.status_code == 503 and "try again" in json.loads(api.content)["detail"]
    wrapped = RuntimeError("while rendering")
    wrapped.__cause__ = OperationalError("server closed the connection unexpectedly")
    assert _handled(rf, "/reports/", wrapped).status_code == 503
    assert _handled(rf, "/petitions/", ValueError("a bug")).status_code == 500
