"""The peer of case 3: django-helpdesk's ``escalate_tickets`` (PyPI ``django-helpdesk``).

The benchmark installs it in its own virtual environment (``var/bench/helpdesk-venv``, bringing its
own Django) with a minimal settings module written under ``var/bench/helpdesk``, on its own database
``bench_helpdesk`` on the same PostgreSQL server. It gets as many open tickets as the sweep has open
items, in one queue that escalates after a day, with the same share due for escalation (filed ten
days ago; the rest an hour ago). Each ticket has its submitter's e-mail address, as a ticket filed by
a person has, so escalating it sends the "escalated" mail — to Django's in-memory mail backend, so no
mail server's time is counted.
"""

# ruff: noqa: S603 - subprocesses of this project's own commands, never of outside input

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench import database

PACKAGE = "django-helpdesk==2.6.1"
VENV = database.ROOT / "var" / "bench" / "helpdesk-venv"
HOME = database.ROOT / "var" / "bench" / "helpdesk"
PYTHON = VENV / "bin" / "python"
SETTINGS = """
SECRET_KEY = "bench-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "helpdesk",
]
SITE_ID = 1
HELPDESK_TEAMS_MODE_ENABLED = False
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": {name!r}, "USER": {user!r},
    "PASSWORD": {password!r}, "HOST": {host!r}, "PORT": {port!r}, "OPTIONS": {options!r}}}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ROOT_URLCONF = "helpdesk_bench_urls"
STATIC_URL = "/static/"
TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "DIRS": [],
    "OPTIONS": {{"context_processors": ["django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages"]}}}}]
"""


def _log(ctx, message: str) -> None:
    ctx.log(f"   peer: {message}")


def install(ctx) -> None:
    if PYTHON.exists():
        return
    _log(ctx, f"installing {PACKAGE} in {VENV} …")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", PACKAGE, "psycopg[binary]"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _configure(url: str) -> dict:
    import environ

    config = environ.Env.db_url_config(url)
    HOME.mkdir(parents=True, exist_ok=True)
    (HOME / "helpdesk_bench_settings.py").write_text(
        SETTINGS.format(
            name=config["NAME"],
            user=config.get("USER") or "postgres",
            password=config.get("PASSWORD") or "",
            host=config.get("HOST") or "",
            port=str(config.get("PORT") or ""),
            options=config.get("OPTIONS") or {},
        )
    )
    (HOME / "helpdesk_bench_urls.py").write_text(
        'from django.urls import include, path\n\nurlpatterns = [path("helpdesk/", include("helpdesk.urls"))]\n'
    )
    (HOME / "helpdesk_escalate.py").write_text((database.ROOT / "bench" / "peers" / "helpdesk_escalate.py").read_text())
    return {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")},
        "DJANGO_SETTINGS_MODULE": "helpdesk_bench_settings",
        "PYTHONPATH": str(HOME),
    }


def _peer(env: dict, *args: str) -> dict:
    completed = subprocess.run(
        [str(PYTHON), str(HOME / "helpdesk_escalate.py"), *args],
        env=env,
        cwd=HOME,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(ctx, *, tickets: int, due_share: float) -> dict:
    """Install, prepare ``tickets`` open tickets (``due_share`` due) and time ``escalate_tickets``."""
    try:
        install(ctx)
        url = database.with_database(ctx.url, "bench_helpdesk")
        database.create_database(url)
        env = _configure(url)
        subprocess.run(
            [str(PYTHON), "-m", "django", "migrate", "--noinput"],
            env=env,
            cwd=HOME,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        due = round(tickets * due_share)
        prepared = _peer(env, "prepare", str(tickets), str(due))
        _log(ctx, f"{prepared['tickets']:,} open tickets, {prepared['due']:,} due (reused: {prepared['reused']})")
        repeat = max(1, min(ctx.heavy_repeat, 3 if tickets <= 100_000 else 2))  # a city run takes minutes
        answer = _peer(env, "measure", str(repeat))
        return {**answer, "tickets": tickets, "due": prepared["due"]}
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        return {"error": f"{exc} {detail[-500:]}"}
