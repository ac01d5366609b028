import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.tasks import HEARTBEAT_KEY, heartbeat


@pytest.mark.django_db
def test_health_reports_database_and_redis(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["version"]
    assert body["checks"]["redis"]["status"] == "ok"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_health_sees_the_real_worker_and_the_beat_heartbeat(client, celery_worker_process):
    cache.delete(HEARTBEAT_KEY)
    # Sent through the real broker and run by the worker process, as beat would send it.
    heartbeat.apply_async()
    import time

    for _ in range(300):
        if cache.get(HEARTBEAT_KEY):
            break
        time.sleep(0.1)
    # The health check pings for half a second only; a busy worker may miss one ping.
    for _ in range(10):
        body = json.loads(client.get(reverse("health")).content)
        if celery_worker_process in body["checks"]["celery"]["workers"]:
            break
    assert celery_worker_process in body["checks"]["celery"]["workers"]
    assert body["checks"]["celery"]["status"] == "ok"
    assert body["checks"]["celery"]["beat_last_seen"]


@pytest.mark.django_db
def test_health_says_down_when_redis_is_unreachable(client, settings):
    # A Redis nobody listens on: the setting_changed signal rebuilds the cache handlers.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    response = client.get(reverse("health"))
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"


def test_public_media_serves_only_the_public_folder(client, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    public = default_storage.save("petitions/public/t/a.jpg", ContentFile(b"jpeg"))
    private = default_storage.save("petitions/2026/01/a.jpg", ContentFile(b"jpeg"))
    assert client.get(f"/media/{public}").status_code == 200
    assert client.get(f"/media/{private}").status_code == 404
    assert client.get("/media/petitions/public/../2026/01/a.jpg").status_code == 404
