"""gunicorn settings for the portal's web nodes (docs/deployment.md).

Every value can be overridden from the environment file (/etc/zhenhai/zhenhai.env) without editing
this file: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_LOG_DIR.
"""

import multiprocessing
import os

wsgi_app = "zhenhai.wsgi:application"
# nginx on the same host talks to gunicorn over loopback; a second web node binds its own address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers with threads: the portal's requests are short database round trips; exports that run
# long go to the Celery "exports" queue, so no request holds a worker for minutes.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so they do not all restart at once).
max_requests = 2000
max_requests_jitter = 200
# Only the proxy on this host may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
limit_request_field_size = 16384

_log_dir = os.environ.get("GUNICORN_LOG_DIR", "")
accesslog = os.path.join(_log_dir, "access.log") if _log_dir else "-"
errorlog = os.path.join(_log_dir, "error.log") if _log_dir else "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client address as nginx saw it, the request and how long it took (microseconds).
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
# Settings are read once in the master; workers fork from it (faster starts, shared memory).
preload_app = True
