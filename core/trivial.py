"""The trivial page and API endpoint: the framework's own cost, the benchmark's baseline.

Each goes through the same middleware, sign-in and (for the page) base template as every other
page, and touches no data of its own. ``make bench`` measures them beside the real pages on the same
server, so a page's cost can be told apart from the stack's (docs/performance.md).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


@login_required
@require_GET
def trivial(request: HttpRequest) -> HttpResponse:
    """``base.html`` with nothing in it, for any signed-in user."""
    return render(request, "core/trivial.html")


@extend_schema(exclude=True)  # the benchmark's baseline, not part of the public API
class TrivialApiView(APIView):
    """``{}`` for GET and POST, with the API's default authentication and permissions."""

    def get(self, request: Request) -> Response:
        return Response({})

    def post(self, request: Request) -> Response:
        return Response({})
