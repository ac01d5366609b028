from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import health_report


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Database, Redis and Celery status; 503 when the database or Redis is down."""
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


PUBLIC_MEDIA_PREFIXES = ("petitions/public/",)


@require_GET
def public_media(request: HttpRequest, name: str):
    """Serve the public copies of uploads (location data already stripped); nothing else.

    Originals stay behind the staff views that check scope. In production a web server may serve
    the same folder directly.
    """
    import mimetypes
    import posixpath

    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404

    name = posixpath.normpath(name).lstrip("/")
    if ".." in name.split("/") or not name.startswith(PUBLIC_MEDIA_PREFIXES) or not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
@require_GET
def notifications(request: HttpRequest):
    """The signed-in user's in-app notifications, newest first; opening the page marks them read."""
    from django.shortcuts import render

    from core.models import Notification
    from core.pagination import keyset_page
    from core.services import notifications_mark_read

    page = keyset_page(Notification.objects.filter(user=request.user), cursor=request.GET.get("cursor"), size=30)
    unread = [n.pk for n in page.items if n.read_at is None]
    notifications_mark_read(user=request.user, ids=unread)
    return render(request, "core/notifications.html", {"page": page, "unread": set(unread)})
