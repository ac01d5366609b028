"""The Celery app: worker and beat run the sweeps, notifications and long exports."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhenhai.settings")

app = Celery("zhenhai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
