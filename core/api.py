"""Shared DRF pieces: the exception handler (clear JSON errors, never a 500 for bad input) and the
OpenAPI schema class that documents those errors and each operation's token scope."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError

TOO_LARGE = _("The request body is too large: at most %(limit)s bytes.")
THROTTLED = _("Too many requests. Try again in %(seconds)s s.")
TOKEN_SCOPE = _("Token scope: %(scope)s.")


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=400)
    if isinstance(exc, RequestDataTooBig):
        # Django raises it while DRF reads the body; left alone it would be an HTML 400 page.
        return Response({"detail": TOO_LARGE % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}}, status=413)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, Throttled) and response is not None:
        seconds = max(1, math.ceil(exc.wait or 1))
        response.data = {"detail": THROTTLED % {"seconds": seconds}, "retry_after": seconds}
        response["Retry-After"] = str(seconds)
    return response


# --- OpenAPI -----------------------------------------------------------------------------------------

_ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": _("What went wrong, in the request's language.")},
        "field": {"type": "string", "description": _("The input field a refused action is about.")},
        "retry_after": {"type": "integer", "description": _("429 only: seconds to wait.")},
    },
    "required": ["detail"],
}
_VALIDATION_ERROR = {
    "type": "object",
    "description": _(
        "Either {detail, field}, or one list of messages per invalid input field (non_field_errors for the whole body)."
    ),
    "additionalProperties": {},
}
_ERRORS = {
    "400": (_("Invalid input, or a move the item's state does not allow."), "ValidationError"),
    "401": (_("The token is not valid, has expired, was revoked or lost its role."), "Error"),
    "403": (_("Not signed in, not allowed, or the token lacks the scope."), "Error"),
    "404": (_("Not found, or outside your scope."), "Error"),
    "413": (_("The request body is too large."), "Error"),
    "415": (_("Unsupported content type: send JSON."), "Error"),
    "429": (_("Too many requests: wait for Retry-After seconds."), "Error"),
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema plus what every endpoint shares: the error answers of
    ``exception_handler`` and, where a permission knows it, the scope a token needs."""

    def _is_public(self) -> bool:
        return any(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def token_scope(self) -> str | None:
        for permission in self.view.get_permissions():
            if hasattr(permission, "openapi_scope"):
                return permission.openapi_scope(self.view, self.method)
        return None

    def get_description(self) -> str:
        description = super().get_description() or ""
        scope = self.token_scope()
        if scope and not self._is_public():
            description = f"{description}\n\n{TOKEN_SCOPE % {'scope': f'`{scope}`'}}".strip()
        return description

    def get_extensions(self) -> dict:
        extensions = dict(super().get_extensions() or {})
        scope = self.token_scope()
        if scope and not self._is_public():
            extensions["x-token-scope"] = scope
        return extensions

    def _error_codes(self) -> list[str]:
        has_body = self.method in ("POST", "PUT", "PATCH")
        has_query = any(p.get("in") == "query" for p in self._get_parameters())
        codes = ["429"]
        if has_body or has_query:
            codes.append("400")
        if not self._is_public():
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if has_body:
            codes += ["413", "415"]
        return sorted(codes)

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        # A view may name an error answer itself (e.g. a public 404) to give its own description.
        declared = {code for code, response in responses.items() if code in _ERRORS and not response.get("content")}
        for code in sorted(set(self._error_codes()) | declared):
            if responses.get(code, {}).get("content"):
                continue
            description, name = _ERRORS[code]
            description = responses.get(code, {}).get("description") or description
            component = ResolvedComponent(
                name=name,
                type=ResolvedComponent.SCHEMA,
                object=f"core.api.{name}",
                schema=_VALIDATION_ERROR if name == "ValidationError" else _ERROR,
            )
            self.registry.register_on_missing(component)
            response = {"description": str(description), "content": {"application/json": {"schema": component.ref}}}
            if code == "429":
                response["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": str(_("Seconds to wait."))}
                }
            if code == "401":
                response["headers"] = {
                    "WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="api"'}
                }
            responses[code] = response
        return responses
