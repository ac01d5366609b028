"""Answers while the database is away: a clear 503 with Retry-After instead of a 500.

Django turns an exception raised anywhere below the outermost middleware into the ``handler500``
answer; :func:`server_error` is that handler. When the exception is a lost or refused database
connection (``OperationalError``/``InterfaceError``, e.g. PostgreSQL restarting), the request
failed before its transaction committed — so nothing of it was written — and the caller is told
to try again shortly. The page is drawn without the request's context processors, which would
read the session and the user from the database that is away.

After PostgreSQL is back, ``CONN_HEALTH_CHECKS`` replaces the broken connection at the start of
the next request: the portal needs no restart.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def _database_error(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable(request: HttpRequest) -> HttpResponse:
    message = _("The service is briefly unavailable. Nothing you sent was saved; please try again in a moment.")
    if request.path.startswith(settings.JSON_PATH_PREFIXES):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(render_to_string("core/unavailable.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: 503 for a database that is away, Django's own 500 page otherwise."""
    if _database_error(sys.exc_info()[1]):
        return unavailable(request)
    return django_server_error(request, template_name=template_name)
