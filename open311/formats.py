"""The two formats of GeoReport v2: JSON and XML from one structure, and the specification's errors.

Responses are built as plain Python data in the JSON shape (the Spark convention the specification
uses: a list becomes a wrapper element holding one element per item). ``to_xml`` turns that shape
into XML, so the two formats cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 (we only write XML, never parse untrusted input)
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MIME_TYPES = ["text/xml", "application/json"]  # as listed in discovery

# Wrapper element → item element (the Spark convention's plural → singular).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

# Characters XML 1.0 cannot carry at all; stored text from other channels could hold them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """Answer with the specification's error format: ``status`` and one or more descriptions."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


def w3c(value: dt.datetime | None) -> str | None:
    """W3C-DTF with the offset, in the portal's time zone: ``2026-11-27T09:30:00+08:00``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """``data`` in the JSON shape; ``root`` names the XML root (JSON roots are the data itself)."""
    body = to_json(data) if fmt == "json" else to_xml(root, data)
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def error_response(fmt: str, status: int, descriptions: Iterable[str]) -> HttpResponse:
    """The specification's errors: an array of {code, description}; the code is the HTTP status."""
    return render(fmt, "errors", [{"code": status, "description": str(d)} for d in descriptions], status=status)


def format_of(path: str) -> str:
    """The format a client asked for by suffix; XML (the required format) when it is not clear."""
    return "json" if path.rstrip("/").lower().endswith(".json") else "xml"
