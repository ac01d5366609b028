"""Input of the REST API: its JSON parser (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``) and the
fields that read values as strictly as the schema declares them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings

TOO_DEEP = _("The JSON body is nested too deeply: at most %(depth)s levels.")
HAS_NUL = _("Null characters are not allowed.")
# No body of the API nests deeper than a few levels; a deep one is an attack on the parser.
MAX_JSON_DEPTH = 20


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a clear 400 what would otherwise fail later as a server error:
    nesting deeper than ``MAX_JSON_DEPTH`` (Python's parser recurses) and NUL characters (PostgreSQL
    refuses them; the error names the top-level field that holds one)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP % {"depth": MAX_JSON_DEPTH}) from None
        top = data.items() if isinstance(data, dict) else [(api_settings.NON_FIELD_ERRORS_KEY, data)]
        for field, value in top:
            pending = [(value, 2)]
            while pending:
                item, depth = pending.pop()
                if isinstance(item, dict | list):
                    if depth > MAX_JSON_DEPTH:
                        raise ParseError(TOO_DEEP % {"depth": MAX_JSON_DEPTH})
                    items = item.items() if isinstance(item, dict) else enumerate(item)
                    for key, inner in items:
                        if isinstance(key, str) and "\x00" in key:
                            raise ValidationError({field: [HAS_NUL]})
                        pending.append((inner, depth + 1))
                elif isinstance(item, str) and "\x00" in item:
                    raise ValidationError({field: [HAS_NUL]})
            if "\x00" in str(field):
                raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [HAS_NUL]})
        return data


class StrictBooleanField(serializers.BooleanField):
    """A yes/no value as the schema says it: a JSON boolean, or "true"/"false" in a form-encoded
    body. DRF's own field also takes 1, "on", "yes" and the like, which a client sending the wrong
    type would never hear about."""

    def to_internal_value(self, data):
        if data is True or data is False:  # not 1 or 0, which equal them in Python
            return data
        if isinstance(data, str) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid", input=data)
