"""``make prod-check``: start the production settings the way deploy/ runs them and check them.

Against the machine's PostgreSQL and Redis (``PROD_CHECK_DATABASE_URL`` / ``PROD_CHECK_REDIS_URL``,
default a database ``zhenhai_prodcheck`` on 127.0.0.1:5432 as postgres and Redis 127.0.0.1:6379 db 0),
with a throwaway SECRET_KEY and a data folder of its own, it runs the first-start steps of
docs/deployment.md (migrate, seed_calendar, collectstatic), ``check --deploy --fail-level WARNING``,
then starts gunicorn with deploy/gunicorn.conf.py and checks over HTTP that:

- ``/health/`` answers 200 with the database and Redis up, through the proxy headers nginx sends;
- plain http is redirected to https and HTTPS answers carry HSTS;
- DEBUG is off: an unknown page is a plain 404 without Django's technical page, and settings say so;
- static files are served from the collected, hashed copies.

Exits non-zero on the first failure, with what failed.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "portal.example.gov.cn"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _step(title: str) -> None:
    print(f"prod-check: {title}", flush=True)


def _fail(message: str) -> None:
    print(f"prod-check: FAILED — {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def _run(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        _fail(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, *, https: bool = True) -> tuple[int, dict, bytes]:
    headers = {"Host": HOST, "X-Forwarded-For": "203.0.113.7"}
    if https:
        headers["X-Forwarded-Proto"] = "https"
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http://127.0.0.1 only)
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def production_env(var_dir: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ZHENHAI_TESTING"))}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        VOLUNTEER_ID_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        VOLUNTEER_ID_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        PUBLIC_BASE_URL=f"https://{HOST}",
        DATABASE_URL=os.environ.get("PROD_CHECK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhenhai_prodcheck"),
        REDIS_URL=os.environ.get("PROD_CHECK_REDIS_URL", "redis://127.0.0.1:6379/0"),
        ZHENHAI_VAR_DIR=str(var_dir),
        NUM_PROXIES="1",
        SMS_BACKEND="core.notify.HttpSmsBackend",
        SMS_GATEWAY_URL="https://sms-gateway.example.gov.cn/send",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
        GUNICORN_LOG_DIR=str(var_dir),
        CACHE_KEY_PREFIX="zhenhai-prodcheck",
    )
    env.pop("CELERY_QUEUE", None)
    return env


def main() -> int:
    var_dir = Path(tempfile.mkdtemp(prefix="zhenhai-prodcheck-"))
    port = _free_port()
    env = production_env(var_dir, port)
    sys.path.insert(0, str(ROOT))
    from zhenhai.local_services import ensure_database

    ensure_database(env["DATABASE_URL"])

    _step("migrate, seed_calendar, collectstatic (first start, docs/deployment.md)")
    _run(env, "migrate", "--noinput")
    _run(env, "seed_calendar")
    _run(env, "collectstatic", "--noinput")

    _step("manage.py check --deploy --fail-level WARNING")
    print(_run(env, "check", "--deploy", "--fail-level", "WARNING").strip())

    _step("settings: DEBUG is off")
    out = _run(env, "shell", "-c", "from django.conf import settings; print('DEBUG', settings.DEBUG)")
    if "DEBUG False" not in out:
        _fail(f"DEBUG is not off: {out!r}")

    _step(f"gunicorn with deploy/gunicorn.conf.py on 127.0.0.1:{port}")
    gunicorn = subprocess.Popen(  # noqa: S603 (the virtualenv's gunicorn)
        [str(Path(PYTHON).parent / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if gunicorn.poll() is not None:
                _fail(f"gunicorn exited {gunicorn.returncode} during start-up (logs in {var_dir})")
            try:
                status, headers, body = _get(base + "/health/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    _fail("gunicorn did not answer within 60 s")
                time.sleep(0.3)
        report = json.loads(body)
        print(f"  /health/ → {status} {json.dumps(report['checks'], ensure_ascii=False)}")
        if status != 200 or report["status"] != "ok":
            _fail(f"/health/ answered {status}: {report}")
        if "max-age=31536000" not in headers.get("Strict-Transport-Security", ""):
            _fail(f"no HSTS header on an HTTPS answer: {headers}")

        status, headers, _ = _get(base + "/health/", https=False)
        print(f"  plain http /health/ → {status} {headers.get('Location')}")
        if status != 301 or not headers.get("Location", "").startswith(f"https://{HOST}/"):
            _fail(f"plain http was not redirected to https: {status} {headers}")

        status, headers, body = _get(base + "/no-such-page-prod-check/")
        print(f"  unknown page → {status}")
        if status != 404 or b"Django tried these URL patterns" in body or b"DEBUG = True" in body:
            _fail("an unknown page did not answer a plain 404 (DEBUG on?)")

        status, headers, body = _get(base + "/")
        print(f"  front page → {status}")
        if status != 200:
            _fail(f"the front page answered {status}")
        css = next((part.split('"')[1] for part in body.decode().split("href=")[1:] if ".css" in part), None)
        if not css or not css.startswith("/static/") or css.count(".") < 2:
            _fail(f"the front page does not link a hashed static file: {css}")
        status, headers, _ = _get(base + css)
        print(f"  {css} → {status} {headers.get('Cache-Control')}")
        if status != 200 or "immutable" not in headers.get("Cache-Control", ""):
            _fail(f"static file not served: {status}")
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(gunicorn.pid, signal.SIGKILL)
    import shutil

    shutil.rmtree(var_dir, ignore_errors=True)
    _step("OK — production settings start, answer and pass check --deploy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
