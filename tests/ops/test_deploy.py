"""The deployment files agree with the settings they front (docs/deployment.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"


def _nginx_size(value: str) -> int:
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * units[unit]


def test_nginx_body_limit_is_the_portals_upload_limit():
    conf = (DEPLOY / "nginx" / "zhenhai.conf").read_text()
    sizes = re.findall(r"client_max_body_size\s+(\w+);", conf)
    assert sizes, "nginx must limit request bodies"
    assert {_nginx_size(size) for size in sizes} == {settings.MAX_REQUEST_BYTES}


def test_nginx_sends_the_https_headers_django_trusts():
    conf = (DEPLOY / "nginx" / "zhenhai.conf").read_text()
    # Django's SECURE_PROXY_SSL_HEADER in production is X-Forwarded-Proto.
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    # One address, the client's: with NUM_PROXIES=1 a client cannot forge its own.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "Strict-Transport-Security" in conf
    assert "return 301 https://" in conf


def test_gunicorn_config_loads_and_binds_from_the_environment():
    code = (
        "import runpy, os; os.environ['GUNICORN_BIND']='127.0.0.1:9123'; os.environ['GUNICORN_WORKERS']='3';"
        f"c = runpy.run_path({str(DEPLOY / 'gunicorn.conf.py')!r}); print(c['bind'], c['workers'], c['wsgi_app'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["127.0.0.1:9123", "3", "zhenhai.wsgi:application"]


def test_env_template_names_every_required_production_setting():
    keys = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "zhenhai.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "SMS_BACKEND"} <= keys


def test_systemd_units_start_web_beat_and_a_worker_per_queue():
    units = DEPLOY / "systemd"
    web = (units / "zhenhai-web.service").read_text()
    assert "gunicorn --config /srv/zhenhai/deploy/gunicorn.conf.py" in web
    assert "EnvironmentFile=/etc/zhenhai/zhenhai.env" in web
    assert "celery -A zhenhai beat" in (units / "zhenhai-beat.service").read_text()
    assert "--queues %i" in (units / "zhenhai-worker@.service").read_text()
    target = (units / "zhenhai.target").read_text()
    started = set(re.findall(r"zhenhai-worker@(\w+)\.service", target))
    # In production (CELERY_SPLIT_QUEUES) every kind has its queue; the default queue takes the rest.
    assert started == {"sweeps", "notifications", "exports", "zhenhai"}
    assert set(settings.CELERY_TASK_KINDS.values()) | {"zhenhai"} == started
