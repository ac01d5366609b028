"""Request bodies refused before any view reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import ratelimit


def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith(settings.JSON_PATH_PREFIXES):
        return JsonResponse({"detail": message}, status=status)
    html = render_to_string("refused.html", {"status": status, "message": message}, request=request)
    return HttpResponse(html, status=status)


class RequestSizeLimitMiddleware:
    """A request body larger than ``MAX_REQUEST_BYTES`` (by its Content-Length) is answered 413
    before anything reads it, and counts toward the client's upload limit (``core.ratelimit``).
    Django's own limits cover form fields, not uploaded files; the reverse proxy in front (see
    docs/deployment.md) refuses the same size first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then; the view answers what is missing
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            ratelimit.hit(ratelimit.UPLOADS, ratelimit.client_ip(request), settings.RATE_PUBLIC_REPORT)
            megabytes = limit // (1024 * 1024)
            return _refuse(request, 413, _("The request is too large: at most %(mb)d MB.") % {"mb": megabytes})
        return self.get_response(request)
