"""Settings for the Zhenhai community portal, read from the environment.

Developer defaults are safe and need nothing set. ``DJANGO_ENV=production`` refuses to start
without ``SECRET_KEY`` and ``ALLOWED_HOSTS`` and switches on the HTTPS hardening that
``manage.py check --deploy`` asks for.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
import pgtrigger
from django.core.exceptions import ImproperlyConfigured

from zhenhai import local_services

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
TESTING = env.bool("ZHENHAI_TESTING", default=False)
DEBUG = env.bool("DEBUG", default=not PRODUCTION and not TESTING)

if PRODUCTION:
    try:
        SECRET_KEY = os.environ["SECRET_KEY"]
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    except (KeyError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured("Production needs SECRET_KEY and ALLOWED_HOSTS in the environment.") from exc
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-000000")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "zhenhai.apps.PortalAdminConfig",  # django.contrib.admin: second factor, translated titles
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core.third_party.AxesConfig",  # axes, its name translated
    "pgtrigger",
    "pghistory",
    "core",
    "grids",
    "accounts",
    "petitions",
    "volunteers",
    "gridwork",
    "funds",
    "reports",
    "exports",
    "open311",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Oversize bodies are refused before any view reads them (core.middleware).
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Axes last: it turns a lockout into the portal's own translated page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhenhai.urls"
WSGI_APPLICATION = "zhenhai.wsgi.application"
ASGI_APPLICATION = "zhenhai.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database and Redis: the machine's servers when named, embedded ones otherwise. -------------
DATABASE_URL = env.str("DATABASE_URL", default="") or local_services.database_url()
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if TESTING else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Client tools (pg_dump, pg_restore) of the server's major version: core.backup tries POSTGRES_BIN_DIR,
# then the embedded server's own binaries, then the machine's (docs/deployment.md, "Backups").
POSTGRES_BIN_DIR = env.str("POSTGRES_BIN_DIR", default="")
EMBEDDED_POSTGRES_BIN_DIR = str(local_services.embedded_bin_dir() or "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="") or local_services.redis_url()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="zhenhai"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    },
    # Rate limits count here: in Redis while it answers, per process while it does not (core.ratelimit).
    "ratelimit": {
        "BACKEND": "core.caches.FailoverCache",
        "OPTIONS": {"primary": "default", "fallback": "ratelimit_local"},
    },
    "ratelimit_local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
    # Page fragments drawn from rarely changing data ({% cache … using="fragments" %}, core.versions).
    "fragments": {
        "BACKEND": "core.caches.FailoverCache",
        "OPTIONS": {"primary": "default", "fallback": "fragments_local"},
    },
    "fragments_local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"},
}


def _celery_broker(url: str) -> str:
    # Kombu names a Unix-socket Redis "redis+socket://PATH"; redis-py names it "unix://PATH".
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or _celery_broker(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="zhenhai")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2, "visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE_FILENAME = str(local_services.VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": 60.0},
    "outbox": {"task": "core.tasks.outbox_deliver", "schedule": 30.0},
    "petition-sweep": {"task": "petitions.tasks.sweep", "schedule": 120.0},
    "monthly-zero-backlog": {"task": "petitions.tasks.monthly_sweep", "schedule": 3600.0},
    "reports-rollup": {"task": "reports.tasks.rollup_refresh", "schedule": 300.0},
    "export-sweep": {"task": "exports.tasks.sweep", "schedule": 60.0},
    "held-photos-sweep": {"task": "petitions.tasks.sweep_held_photos", "schedule": 3600.0},
}

# --- Funds (issue 17): yearly pledges fall due by themselves (hourly; once per pledge and year) and the
# weight of residents' satisfaction in a subsidised project's assessment ---
CELERY_BEAT_SCHEDULE["funds-pledges-due"] = {"task": "funds.tasks.pledges_fall_due", "schedule": 3600.0}
# A subsidised project's final assessment: the weight of residents' satisfaction (the rest: staff's score).
FUNDS_SATISFACTION_WEIGHT = env.float("FUNDS_SATISFACTION_WEIGHT", default=0.6)
# 以奖代补: a reward is at most this many fen per approved hour of the organisation's service.
FUNDS_REWARD_CAP_PER_HOUR_FEN = env.int("FUNDS_REWARD_CAP_PER_HOUR_FEN", default=5_000)

# --- Authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.StaffBackend",
    "accounts.backends.ResidentPhoneBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "镇海社区服务平台"
# Roles that must pass a TOTP second factor before any page (DESIGN.md: admin).
OTP_REQUIRED_ROLES = ("admin",)

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Office hours used by the working-time calendar (core.worktime).
WORKING_HOURS = [("08:30", "12:00"), ("13:30", "17:30")]

# --- Static and media files ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = local_services.VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production WhiteNoise serves straight from the app and project static folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(local_services.VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Rate limits (core.ratelimit) -------------------------------------------------------------------
# Trusted reverse proxies in front of the portal: client addresses come from X-Forwarded-For only then.
NUM_PROXIES = env.int("NUM_PROXIES", default=None)
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_CACHE_PREFIX = "rl:"  # the API's throttles count under it too
RATELIMIT_FAIL_OPEN = False  # a count that cannot be made refuses the request
RATELIMIT_IP_META_KEY = "core.ratelimit.client_ip"
# Failed public status checks, per client address and per tracking code (a right answer costs nothing).
RATE_STATUS_CHECK = env.str("RATE_STATUS_CHECK", default="10/10m")
# Public reports (and refused oversize uploads) per client address.
RATE_PUBLIC_REPORT = env.str("RATE_PUBLIC_REPORT", default="20/h")
# Texts to one phone number that nobody verified (a public report's confirmation), per day.
RATE_SMS_PER_NUMBER = env.str("RATE_SMS_PER_NUMBER", default="3/d")
# Failed sign-ins per client address over every user name (django-axes locks name + address).
RATE_SIGN_IN_ADDRESS = env.str("RATE_SIGN_IN_ADDRESS", default="20/15m")

# --- REST API ----------------------------------------------------------------------------------------
# Machine clients send ``Authorization: Bearer zh_…`` (accounts.api_auth); a token in the header wins
# over a session cookie. Browsers use the session, with CSRF. A token reaches only its scopes and
# the data of the role assignment it was issued under.
API_THROTTLE_ANON = env.str("API_THROTTLE_ANON", default="60/minute")
API_THROTTLE_USER = env.str("API_THROTTLE_USER", default="300/minute")
API_THROTTLE_TOKEN = env.str("API_THROTTLE_TOKEN", default="600/minute")
# The residents' private evaluation link (public API endpoint), per client address.
PETITION_EVALUATION_RATE = env.str("PETITION_EVALUATION_RATE", default="30/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.api_auth.ScopedTokenPermission",
    ],
    # Over the Redis cache; each throttle reads its API_THROTTLE_* setting when it runs.
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.api_auth.AnonThrottle",
        "accounts.api_auth.UserThrottle",
        "accounts.api_auth.TokenThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": API_THROTTLE_ANON, "user": API_THROTTLE_USER, "token": API_THROTTLE_TOKEN},
    # Client addresses come from X-Forwarded-For only behind this many trusted proxies.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's parsers, the JSON one bounded in depth and refusing NUL characters (core.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.PortalAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
# Request bodies (JSON, forms without files) above this answer 413; Django's default, made visible.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# Paths whose refusals (core.middleware) answer JSON rather than a page.
JSON_PATH_PREFIXES = ("/api/",)

SPECTACULAR_SETTINGS = {
    "TITLE": "镇海社区服务平台 API",
    "DESCRIPTION": (
        "Zhenhai community portal REST API (OpenAPI 3). Every call is scoped like the pages: an item "
        "outside your role's region answers 404.\n\n"
        "**Authentication.** Browsers use their signed-in session (with the CSRF token). Machine clients "
        "send `Authorization: Bearer zh_<prefix>_<secret>` with a token created at /accounts/tokens/ under one "
        "of their role assignments. A token carries scopes (`petitions:read`, `petitions:write`, "
        "`reports:read`, `open311`); each operation names the scope it needs (`x-token-scope`).\n\n"
        '**Errors.** JSON bodies: `{"detail": …}` or, for invalid input, `{"field": [messages]}`. '
        "401 bad or expired token, 403 not allowed, 404 not found or outside your scope, 413 body too large, "
        "429 rate limited (see `Retry-After`)."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # The schema holds no data and is the same for everyone: no credentials needed to read it.
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # The error answers every operation may give (core.api), after drf-spectacular's own enum hook.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "PetitionStatusEnum": "petitions.models.Status",
        "PetitionOutcomeEnum": "petitions.models.Outcome",
        "UnfixedOutcomeEnum": "petitions.models.UNFIXED_OUTCOME_CHOICES",
    },
    # Offline documentation: every asset from drf-spectacular-sidecar under /static/, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl would fetch a badge from swagger.io (no token is kept in the browser either).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_UI_SETTINGS": {
        "hideDownloadButton": False,
        "theme": {"typography": {"fontFamily": "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif"}},
    },
}

# --- Mail and SMS (outside systems: console backends unless configured) -------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@zhenhai.example")

# --- Security ------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Audit log (django-pghistory): database triggers record every insert, update and delete of
# audited models, so bulk updates cannot bypass it; events are append-only.
PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Wall-clock time per event, so several events in one transaction keep their order.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
# One trigger call per statement, reading the changed rows from its transition tables: a set-based
# change (the deadline sweep, a bulk action) writes its audit rows in one INSERT … SELECT and attaches
# the context once, where a row-level trigger ran a PL/pgSQL call (with its own subtransaction)
# per row.
PGHISTORY_LEVEL = pgtrigger.Statement

# The SMS gateway (core.notify). Production must name one: the console backend only logs, so a
# production that means to send no texts says so with SMS_BACKEND=core.notify.ConsoleSmsBackend.
if PRODUCTION and "SMS_BACKEND" not in os.environ:
    raise ImproperlyConfigured(
        "Production needs SMS_BACKEND (e.g. core.notify.HttpSmsBackend with SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN)."
    )
SMS_BACKEND = env.str("SMS_BACKEND", default="core.notify.ConsoleSmsBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Days after closing during which a resident or staff may reopen an item.
PETITION_REOPEN_DAYS = env.int("PETITION_REOPEN_DAYS", default=15)
PETITION_MAX_PHOTOS = 6
PETITION_MAX_PHOTO_BYTES = env.int("PETITION_MAX_PHOTO_BYTES", default=8 * 1024 * 1024)
# Any request body above this (by its Content-Length) is refused before it is read: the largest form,
# six photos at their limit, and a megabyte for its fields (core.middleware).
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=PETITION_MAX_PHOTOS * PETITION_MAX_PHOTO_BYTES + 1024 * 1024)

# --- Open311 -------------------------------------------------------------------------------------------
# GeoReport v2 at /open311/v2/ (docs/open311.md). The portal serves one jurisdiction: requests may
# omit jurisdiction_id; any id other than this one answers 404.
OPEN311_JURISDICTION_ID = env.str("OPEN311_JURISDICTION_ID", default="zh.gov.cn")
# Administrative code of the region the jurisdiction covers (镇海区); its communities and villages
# are the values of the required "region" attribute, and only requests inside it are listed.
OPEN311_REGION_CODE = env.str("OPEN311_REGION_CODE", default="330211")
# "realtime": POST answers the service_request_id; "batch": it answers a token for tokens/{token}.
OPEN311_SERVICE_TYPE = env.str("OPEN311_SERVICE_TYPE", default="realtime")
OPEN311_ENDPOINT_TYPE = env.str("OPEN311_ENDPOINT_TYPE", default="production")  # or "test"
# Sortable date of the last change to the service list or definitions (discovery "changeset").
OPEN311_CHANGESET = env.str("OPEN311_CHANGESET", default="2026-11-27 00:00")
OPEN311_MAX_REQUESTS = 1000  # the specification's default query limit …
OPEN311_MAX_DAYS = 90  # … and its default and longest date range
OPEN311_DESCRIPTION_MAX = 4000  # characters, as the specification limits description
OPEN311_MAX_BODY_BYTES = env.int("OPEN311_MAX_BODY_BYTES", default=64 * 1024)
# POSTs per window (seconds) for one api_key and for one client address; over it answers 429.
OPEN311_POST_LIMIT_PER_KEY = (env.int("OPEN311_POST_LIMIT_PER_KEY", default=120), 3600)
OPEN311_POST_LIMIT_PER_ADDRESS = (env.int("OPEN311_POST_LIMIT_PER_ADDRESS", default=300), 3600)
# WGS84 box (lat min, lat max, long min, long max) that lat/long must fall in: Ningbo with its sea.
OPEN311_BOUNDS = (28.5, 30.7, 120.5, 123.0)

# --- Exports ----------------------------------------------------------------------------------------
# Up to this many rows an export streams straight to the browser; above it a Celery job writes the
# file and the page shows its progress. The benchmark raises it to force streaming.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=5000)
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)  # a finished file stays downloadable this long
EXPORT_MAX_DAYS = env.int("EXPORT_MAX_DAYS", default=366)  # longest date range of one satisfaction export
# Finished files live here, outside MEDIA_ROOT (never served directly); web and worker must share it.
EXPORT_DIR = env.path("EXPORT_DIR", default=str(local_services.VAR_DIR / "exports"))
EXPORT_QUEUE = env.str("EXPORT_QUEUE", default="") or CELERY_TASK_DEFAULT_QUEUE
EXPORT_CHUNK_ROWS = env.int("EXPORT_CHUNK_ROWS", default=2000)  # rows per fetch, write and progress update
EXPORT_CHUNK_DELAY = env.float("EXPORT_CHUNK_DELAY", default=0.0)  # seconds after each chunk: tests only
EXPORT_STALE_SECONDS = env.int("EXPORT_STALE_SECONDS", default=120)  # a running job silent this long is re-run
EXPORT_QUEUED_STALE_SECONDS = env.int("EXPORT_QUEUED_STALE_SECONDS", default=60)  # queued this long: publish again
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=5)

# --- Benchmark (make bench; docs/performance.md) -------------------------------------------------------
# SERVER_TIMING=1 adds a Server-Timing header with the SQL time and query count of each request,
# measured around everything else (so it goes first). Off unless asked for.
SERVER_TIMING = env.bool("SERVER_TIMING", default=False)
if SERVER_TIMING:
    MIDDLEWARE = ["core.timing.ServerTimingMiddleware", *MIDDLEWARE]

# How many bulk items `seed_demo --scale demo` loads behind the hand-walked ones (petitions.demo): a year.
DEMO_YEAR_ITEMS = env.int("DEMO_YEAR_ITEMS", default=6_000)

# --- Operations (issue 18; docs/deployment.md, docs/scaling.md) ----------------------------------------
# Outgoing mail through the district's SMTP relay when EMAIL_BACKEND names the SMTP backend.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# manage.py backup writes here unless told otherwise (core.backup; /var/backups/zhenhai in production).
BACKUP_DIR = env.path("BACKUP_DIR", default=str(local_services.VAR_DIR / "backups"))

# Celery queues by kind (zhenhai.queues; docs/deployment.md "Work queues"). Production splits them,
# one worker each; a developer's single `make run` worker takes everything from the default queue.
CELERY_SPLIT_QUEUES = env.bool("CELERY_SPLIT_QUEUES", default=PRODUCTION)
CELERY_WORK_QUEUES = {
    kind: env.str(f"CELERY_QUEUE_{kind.upper()}", default=kind) if CELERY_SPLIT_QUEUES else CELERY_TASK_DEFAULT_QUEUE
    for kind in ("sweeps", "notifications", "exports")
}
CELERY_TASK_KINDS = {
    "core.tasks.heartbeat": "sweeps",
    "petitions.tasks.sweep": "sweeps",
    "petitions.tasks.monthly_sweep": "sweeps",
    "petitions.tasks.sweep_held_photos": "sweeps",
    "reports.tasks.rollup_refresh": "sweeps",
    "exports.tasks.sweep": "sweeps",
    "core.tasks.outbox_deliver": "notifications",
    "exports.tasks.run": "exports",
    "funds.tasks.pledges_fall_due": "sweeps",
    "volunteers.tasks.release_stale_wish_claims": "sweeps",
    "volunteers.tasks.insurance_reminders": "notifications",
    "volunteers.tasks.policy_reminders": "notifications",
}
CELERY_TASK_ROUTES = ("zhenhai.queues.route",)
if CELERY_SPLIT_QUEUES and not env.str("EXPORT_QUEUE", default=""):
    EXPORT_QUEUE = CELERY_WORK_QUEUES["exports"]  # exports.services publishes jobs there by name
# One beat acts at a time: the holder of a lock in Redis (zhenhai.beat), renewed every tick.
CELERY_BEAT_SCHEDULER = "zhenhai.beat:LockedScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=90)
BEAT_LOCK_RETRY_SECONDS = env.float("BEAT_LOCK_RETRY_SECONDS", default=15.0)

# Read replica (core.replica; docs/scaling.md): with DATABASE_REPLICA_URL, reports and the public
# status page read from the streaming standby while it lags no more than REPLICA_MAX_LAG_SECONDS;
# writes, and reads by anyone who wrote in the last REPLICA_PIN_SECONDS, go to the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=30.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5.0)
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=int(REPLICA_MAX_LAG_SECONDS) + 30)
REPLICA_READ_PATHS = ("/reports/", "/api/v1/reports/", "/petitions/status/")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
    MIDDLEWARE = [MIDDLEWARE[0], "core.replica.ReplicaMiddleware", *MIDDLEWARE[1:]]

# Behind PgBouncer in transaction mode (docs/scaling.md): each transaction may run on another server
# connection, so nothing may outlive one — no server-side cursors (Django's chunked reads and the
# export stream fetch client-side instead) and no prepared statements (psycopg's automatic ones).
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_PGBOUNCER:
    for _alias in DATABASES:  # the standby too, when its URL names a PgBouncer as well
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES[_alias].setdefault("OPTIONS", {})["prepare_threshold"] = None
# --- Volunteers (volunteers app; docs/volunteers.md) ------------------------------------------------------
# National ID numbers are stored encrypted with MultiFernet: the first key encrypts, every key decrypts,
# so a key rotates by putting a new one first. A keyed HMAC of the number finds the same person twice.
# Production refuses to start without both; a developer gets fixed keys that protect nothing.
if PRODUCTION and not (os.environ.get("VOLUNTEER_ID_KEYS") and os.environ.get("VOLUNTEER_ID_HASH_KEY")):
    raise ImproperlyConfigured(
        "Production needs VOLUNTEER_ID_KEYS (Fernet keys, comma-separated) and VOLUNTEER_ID_HASH_KEY."
    )
VOLUNTEER_ID_KEYS = env.list("VOLUNTEER_ID_KEYS", default=["ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZHVjdGk="])
VOLUNTEER_ID_HASH_KEY = env.str("VOLUNTEER_ID_HASH_KEY", default="development-hash-key-not-for-production")
VOLUNTEER_CONSENT_VERSION = env.str("VOLUNTEER_CONSENT_VERSION", default="2026-12")
# A claimed micro-wish not fulfilled within this many hours goes back on the wall (beat, hourly).
VOLUNTEER_WISH_CLAIM_HOURS = env.int("VOLUNTEER_WISH_CLAIM_HOURS", default=24 * 14)
CELERY_BEAT_SCHEDULE["volunteers-release-stale-wish-claims"] = {
    "task": "volunteers.tasks.release_stale_wish_claims",
    "schedule": 3600.0,
}
# Volunteers whose accident insurance ends within this many days are reminded once (beat, daily).
VOLUNTEER_INSURANCE_REMIND_DAYS = env.int("VOLUNTEER_INSURANCE_REMIND_DAYS", default=14)
CELERY_BEAT_SCHEDULE["volunteers-insurance-reminders"] = {
    "task": "volunteers.tasks.insurance_reminders",
    "schedule": 86400.0,
}
# … and so are the organisations' group policies (the managers and the region's coordinators).
CELERY_BEAT_SCHEDULE["volunteers-policy-reminders"] = {
    "task": "volunteers.tasks.policy_reminders",
    "schedule": 86400.0,
}

# --- Grid work (gridwork) -----------------------------------------------------------------------------
# Days in the grid a grid leader is expected to spend each week (下沉网格: three in the district).
GRIDWORK_FIELD_DAYS_PER_WEEK = env.int("GRIDWORK_FIELD_DAYS_PER_WEEK", default=3)
