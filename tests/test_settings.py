"""Production settings refuse to start without secrets and pass Django's deploy checks."""

import os
import subprocess
import sys

from django.conf import settings


def _manage(*args, **env):
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "SMS_BACKEND")
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=full_env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secrets():
    result = _manage("check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "Production needs SECRET_KEY and ALLOWED_HOSTS" in result.stderr


PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 20 + "-production-secret-for-the-test-only-0123456789",
    "ALLOWED_HOSTS": "portal.example.gov.cn",
    "VOLUNTEER_ID_KEYS": "cHJvZHVjdGlvbi1rZXktZm9yLXRoZS10ZXN0LW9ubHk=",
    "VOLUNTEER_ID_HASH_KEY": "production-hash-key-for-the-test-only",
}


def test_production_check_deploy_is_clean():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SMS_BACKEND="core.notify.HttpSmsBackend",
        SMS_GATEWAY_URL="https://sms-gateway.example.gov.cn/send",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_an_sms_gateway():
    result = _manage("check", **PRODUCTION)
    assert result.returncode != 0 and "Production needs SMS_BACKEND" in result.stderr


def test_production_says_loudly_when_texts_are_only_logged():
    result = _manage("check", "--deploy", SMS_BACKEND="core.notify.ConsoleSmsBackend", **PRODUCTION)
    assert "core.W001" in result.stderr + result.stdout and "only written to the log" in result.stderr + result.stdout


def test_development_defaults():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.USE_TZ
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_each_test_process_has_its_own_queue_and_cache_prefix():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if os.environ.get("ZH_TEST_SLOT"):
        worker += f"-{os.environ['ZH_TEST_SLOT']}"
    assert f"zhenhai-test-{worker}" == settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.CACHES["default"]["KEY_PREFIX"] == f"zhenhai-test-{worker}"


def test_make_run_on_another_port_writes_links_to_that_port():
    """``make run PORT=…``: the web server, the message it prints and the links that notifications
    and texts carry (PUBLIC_BASE_URL, read by the worker too) all use the port asked for."""
    result = subprocess.run(
        ["make", "-n", "run", "PORT=9123"], cwd=settings.BASE_DIR, capture_output=True, text=True, env=os.environ
    )
    assert result.returncode == 0, result.stderr
    start = next(line for line in result.stdout.splitlines() if "honcho start" in line)
    assert "PORT=9123" in start and "PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:9123}" in start
    assert "8000" not in result.stdout
