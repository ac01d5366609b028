"""Shared DRF pieces: the exception handler (clear JSON errors, never a 500 for bad input) and the
OpenAPI schema class that documents those errors and each operation's token scope."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
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
    """drf-spectacular's schema plus, where a permission knows it, the scope a token needs; public
    operations are marked ``x-public`` for ``add_error_responses``."""

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
        if self._is_public():
            extensions["x-public"] = True
        elif scope := self.token_scope():
            extensions["x-token-scope"] = scope
        return extensions


def _error_codes(path: str, method: str, operation: dict) -> list[str]:
    """The error answers ``exception_handler`` may give to ``operation``."""
    has_body = method.upper() in ("POST", "PUT", "PATCH")
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    codes = ["429"]
    if has_body or has_query:
        codes.append("400")
    if not operation.get("x-public"):
        codes += ["401", "403"]
    if "{" in path:
        codes.append("404")
    if has_body:
        codes += ["413", "415"]
    return codes


def add_error_responses(result: dict, generator, request, public) -> dict:
    """A drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``): every
    operation documents the error answers of ``exception_handler``; an answer a view names itself
    without a body (a public 404, say) keeps its own description."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            declared = {code for code, response in responses.items() if code in _ERRORS and not response.get("content")}
            for code in sorted(set(_error_codes(path, method, operation)) | declared):
                if responses.get(code, {}).get("content"):
                    continue
                description, name = _ERRORS[code]
                schemas.setdefault(name, _VALIDATION_ERROR if name == "ValidationError" else _ERROR)
                response = {
                    "description": str(responses.get(code, {}).get("description") or description),
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                }
                if code == "429":
                    response["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": str(_("Seconds to wait."))}
                    }
                if code == "401":
                    response["headers"] = {
                        "WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="api"'}
                    }
                responses[code] = response
            operation["responses"] = dict(sorted(responses.items()))
    return result
