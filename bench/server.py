"""The portal as production runs it — gunicorn, ``DJANGO_ENV=production``, DEBUG off — on a free
port against the bench database, and a small keep-alive HTTP client that signs in through the real
login form (CSRF and all) and reads the ``Server-Timing`` header.

Requests carry ``X-Forwarded-Proto: https`` as they would behind the TLS-terminating proxy that
production settings expect (secure cookies, HSTS, no redirect to https).
"""

# ruff: noqa: S603 - subprocesses of this project's own commands, never of outside input

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench import database
from bench.harness import Sample, redis_url

PASSWORD = "Zhenhai@2026"  # accounts.demo.DEMO_PASSWORD
WORKERS = 2  # as the Procfile: 2 processes × 4 threads on this 2-core machine
THREADS = 4
VAR = database.ROOT / "var" / "bench"
_TIMING = re.compile(r'db;dur=([\d.]+);desc="(\d+) queries"')
_APP = re.compile(r"app;dur=([\d.]+)")
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def db_ms(self) -> float | None:
        match = _TIMING.search(self.headers.get("server-timing", ""))
        return float(match.group(1)) if match else None

    @property
    def queries(self) -> int | None:
        match = _TIMING.search(self.headers.get("server-timing", ""))
        return int(match.group(2)) if match else None

    @property
    def app_ms(self) -> float | None:
        match = _APP.search(self.headers.get("server-timing", ""))
        return float(match.group(1)) if match else None

    @property
    def sample(self) -> Sample:
        return Sample(self.seconds, db_ms=self.db_ms, queries=self.queries, status=self.status, app_ms=self.app_ms)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class HttpSession:
    """Cookies and a keep-alive connection (one per thread: do not share a session across threads)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    source: str | None = None  # bind to this loopback address (the public pages limit per address)
    _conn: http.client.HTTPConnection | None = None

    def copy(self) -> HttpSession:
        return HttpSession(self.port, dict(self.cookies), self.source)

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            source = (self.source, 0) if self.source else None
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120, source_address=source)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        host = f"127.0.0.1:{self.port}"
        all_headers = {
            "Host": host,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{host}{path}",
            "Accept-Language": "zh-hans",
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET" and "csrftoken" in self.cookies:
            all_headers.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        for attempt in range(2):
            conn = self._connection()
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                raw = conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()  # the server closed a kept-alive connection: reconnect once
                if attempt:
                    raise
                continue
            elapsed = time.perf_counter() - started
            break
        headers_out = {k.lower(): v for k, v in raw.getheaders()}
        for value in raw.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        if raw.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(raw.status, headers_out, data, elapsed)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: dict) -> Response:
        body = urlencode(data, doseq=True).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path: str, body: bytes) -> Response:
        return self.request("POST", path, body, {"Content-Type": "application/json"})

    def csrf_token(self, path: str) -> str:
        """Load a form page and return its CSRF token (the cookie is kept)."""
        response = self.get(path)
        match = _CSRF_INPUT.search(response.text)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {response.status})")
        return match.group(1)

    def login(self, username: str, password: str = PASSWORD) -> None:
        token = self.csrf_token("/accounts/login/")
        response = self.post_form(
            "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in as {username} failed: HTTP {response.status}")


class Server:
    """gunicorn on a free port with production settings and Server-Timing on."""

    def __init__(
        self, url: str, *, scale: str, redis_db: int, log=print, workers: int = WORKERS, env: dict | None = None
    ) -> None:
        self.url = url
        self.scale = scale
        self.workers = workers
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None
        self.queue = f"bench-{scale}"
        self.env = {
            **os.environ,
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SMS_BACKEND": "core.notify.ConsoleSmsBackend",  # no texts leave a benchmark
            # Production refuses to start without the volunteers' ID keys; the bench uses the
            # development ones, under which seed_demo encrypted its volunteers' ID numbers.
            "VOLUNTEER_ID_KEYS": os.environ.get("VOLUNTEER_ID_KEYS", "ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZHVjdGk="),
            "VOLUNTEER_ID_HASH_KEY": os.environ.get("VOLUNTEER_ID_HASH_KEY", "development-hash-key-not-for-production"),
            "DATABASE_URL": url,
            "REDIS_URL": redis_url(redis_db),
            # A fresh prefix per server: the public pages' rate limits start from zero.
            "CACHE_KEY_PREFIX": f"bench-{scale}-{os.getpid()}-{self.port}",
            "CELERY_QUEUE": self.queue,
            "SERVER_TIMING": "1",
            # The API's rate limits still run (their Redis round trips are measured), but so high that
            # eight clients of one user are never refused: throughput is measured here, not the policy.
            "API_THROTTLE_ANON": "1000000/minute",
            "API_THROTTLE_USER": "1000000/minute",
            "API_THROTTLE_TOKEN": "1000000/minute",
            "ZHENHAI_VAR_DIR": str(VAR / "var"),
            "LOG_LEVEL": "WARNING",
            "DEBUG": "0",
            **(env or {}),
        }

    def start(self) -> None:
        (VAR / "var").mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, str(database.ROOT / "manage.py"), "collectstatic", "--noinput"],
            env=self.env,
            cwd=database.ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        log = open(VAR / f"gunicorn-{self.scale}.log", "w")  # noqa: SIM115 - the server's lifetime
        self.process = subprocess.Popen(
            [
                str(database.ROOT / ".venv" / "bin" / "gunicorn"),
                "zhenhai.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(THREADS),
                "--keep-alive",
                "30",
                "--log-level",
                "warning",
            ],
            env=self.env,
            cwd=database.ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(300):
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log.name}")
            try:
                if HttpSession(self.port).get("/accounts/login/").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not answer within 30 s")
        self.log(
            f"   server: gunicorn {self.workers}×{THREADS} on 127.0.0.1:{self.port} "
            f"({self.scale}, ready in {time.monotonic() - started:.0f} s)"
        )

    def session(self, username: str | None = None, *, source: str | None = None) -> HttpSession:
        session = HttpSession(self.port, source=source)
        if username:
            session.login(username)
        return session

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (the master's children)."""
        path = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        with open(path) as f:
            return [int(pid) for pid in f.read().split()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
        self._purge_queue()

    def _purge_queue(self) -> None:
        """Outbox kicks queued for a worker the benchmark does not run: drop them."""
        try:
            import redis

            client = redis.Redis.from_url(self.env["REDIS_URL"], socket_connect_timeout=1)
            client.delete(self.queue)
        except Exception:  # noqa: S110 - best effort; nothing depends on it
            pass
