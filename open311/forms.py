"""Parsing of Open311 input: the filters of GET requests and the fields of POST requests.

Everything here turns bad input into ``Open311Error`` (the specification's error format) with one
description per problem, never an exception that would become a 500. An empty optional parameter
is treated exactly like an absent one, as the specification demands.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from accounts.validators import normalize_cn_mobile
from core.inputs import check_date, check_datetime
from open311.formats import Open311Error
from open311.selectors import RequestQuery

ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
REGION_ATTRIBUTE = "region"
TRACKING_CODE = re.compile(r"^[0-9A-Z]{1,16}$")
_NUL = "\x00"

# W3C-DTF (the specification's date/time format): a complete date, or a date and time with an
# offset. A "+" in an unencoded query string arrives as a space; it is read back as "+".
_W3C = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(?P<tz>Z|[+\- ]\d{2}:\d{2}))?$"
)


def _present(params: QueryDict, name: str) -> str:
    """The parameter's value, "" when absent or empty (the same thing, says the specification)."""
    return (params.get(name) or "").strip()


def no_nul(params: QueryDict) -> None:
    for key, values in params.lists():
        if _NUL in key or any(_NUL in v for v in values):
            raise Open311Error(400, _("Parameters may not contain NUL characters."))


def parse_w3c(name: str, value: str) -> dt.datetime:
    match = _W3C.match(value)
    if match is None:
        raise Open311Error(
            400,
            _("%(name)s: use the W3C date/time format with a time zone, e.g. 2026-11-27T09:30:00+08:00.")
            % {"name": name},
        )
    try:
        if match["time"] is None:  # a date alone is the start of that day in the portal's time zone
            day = check_date(dt.date.fromisoformat(match["date"]))
            return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))
        tz = match["tz"].replace(" ", "+")
        value = dt.datetime.fromisoformat(f"{match['date']}T{match['time']}{'+00:00' if tz == 'Z' else tz}")
        return check_datetime(value)
    except ValueError:
        raise Open311Error(400, _("%(name)s: this date or time does not exist.") % {"name": name}) from None
    except ValidationError as error:  # outside the range the portal takes, or an impossible offset
        raise Open311Error(400, *[f"{name}: {message}" for message in error.messages]) from None


def _whole_second(value: dt.datetime) -> dt.datetime:
    """Responses give times to the second, so filters compare at the second too."""
    return value.replace(microsecond=0)


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_request_query(params: QueryDict, *, now: dt.datetime | None = None) -> RequestQuery:
    """The filters of GET requests. Without dates: the most recent 90 days; with one date, the 90
    days after the start or before the end; a range longer than 90 days is refused."""
    no_nul(params)
    errors: list[str] = []
    query = RequestQuery()
    limit = settings.OPEN311_MAX_REQUESTS
    ids = _comma_list(_present(params, "service_request_id"))
    if len(ids) > limit:
        errors.append(_("service_request_id: at most %(limit)d IDs at once.") % {"limit": limit})
    query.by_id = bool(ids)  # IDs given: they override every other filter, even if none is well formed
    query.ids = [i.upper() for i in ids if TRACKING_CODE.match(i.upper())]
    if query.by_id:
        if errors:
            raise Open311Error(400, *errors)
        return query
    query.service_codes = _comma_list(_present(params, "service_code"))
    statuses = [s.lower() for s in _comma_list(_present(params, "status"))]
    unknown = sorted(set(statuses) - {"open", "closed"})
    if unknown:
        errors.append(
            _("status: use open, closed or both (comma separated); not %(values)s.") % {"values": ", ".join(unknown)}
        )
    query.statuses = sorted(set(statuses)) if set(statuses) != {"open", "closed"} else []
    span = dt.timedelta(days=settings.OPEN311_MAX_DAYS)
    start = end = None
    for name in ("start_date", "end_date"):
        raw = _present(params, name)
        if raw:
            try:
                value = _whole_second(parse_w3c(name, raw))
            except Open311Error as exc:
                errors.extend(exc.descriptions)
                continue
            start, end = (value, end) if name == "start_date" else (start, value)
    if errors:
        raise Open311Error(400, *errors)
    now = now or timezone.now()
    if start is None and end is None:
        start, end = _whole_second(now) - span, _whole_second(now)
    elif start is None:
        start = end - span
    elif end is None:
        end = start + span
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > span:
        raise Open311Error(
            400, _("start_date to end_date may span at most %(days)d days.") % {"days": settings.OPEN311_MAX_DAYS}
        )
    query.start, query.end = start, end + dt.timedelta(seconds=1)  # end_date is included, to the second
    return query


# --- POST requests ------------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Plain text from what a client sent: no HTML (entity-encoded tags included), no carriage returns."""
    text = strip_tags(html.unescape(strip_tags(value or "")))
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class ServiceRequestForm(forms.Form):
    """The fields of POST requests (form-encoded or multipart). ``email`` is accepted but not kept:
    the portal reaches residents by text message to ``phone``."""

    service_code = forms.CharField(max_length=32)
    lat = forms.FloatField(required=False)
    long = forms.FloatField(required=False)
    address_string = forms.CharField(max_length=200, required=False)
    address_id = forms.CharField(max_length=64, required=False)
    device_id = forms.CharField(max_length=64, required=False)
    account_id = forms.CharField(max_length=64, required=False)
    first_name = forms.CharField(max_length=32, required=False)
    last_name = forms.CharField(max_length=32, required=False)
    phone = forms.CharField(max_length=32, required=False)
    description = forms.CharField(required=False)
    media_url = forms.CharField(max_length=500, required=False)

    def __init__(self, data: QueryDict, *, regions: dict[str, object]) -> None:
        super().__init__(data)
        self.regions = regions  # region code → Region, the values of the "region" attribute
        self.attribute_values: dict[str, list[str]] = {}

    def clean_description(self) -> str:
        text = clean_text(self.cleaned_data["description"])
        limit = settings.OPEN311_DESCRIPTION_MAX
        if len(text) > limit:
            raise ValidationError(
                _("At most %(limit)d characters (this one has %(count)d).") % {"limit": limit, "count": len(text)}
            )
        return text

    def clean_address_string(self) -> str:
        return clean_text(self.cleaned_data["address_string"])

    def clean_first_name(self) -> str:
        return clean_text(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_text(self.cleaned_data["last_name"])

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalize_cn_mobile(phone) if phone else ""

    def clean_media_url(self) -> str:
        url = self.cleaned_data["media_url"]
        if url:
            URLValidator(schemes=["http", "https"], message=_("Enter an http or https URL."))(url)
        return url

    def _clean_coordinates(self, data: dict) -> None:
        lat, lon = data.get("lat"), data.get("long")
        if "lat" in self.errors or "long" in self.errors:
            return
        if (lat is None) != (lon is None):
            self.add_error(None, _("lat and long must be sent together."))
            return
        if lat is None:
            return
        lat_min, lat_max, lon_min, lon_max = settings.OPEN311_BOUNDS
        if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
            self.add_error(None, _("lat/long (WGS84) is outside the area this portal serves."))
            return
        quantum = Decimal("0.000001")
        data["lat"] = Decimal(str(lat)).quantize(quantum, ROUND_HALF_EVEN)
        data["long"] = Decimal(str(lon)).quantize(quantum, ROUND_HALF_EVEN)

    def _clean_attributes(self, data: dict) -> None:
        unknown = []
        for key, values in self.data.lists():
            match = ATTRIBUTE.match(key)
            if match is None:
                continue
            values = [v.strip() for v in values if v.strip()]
            if match[1] != REGION_ATTRIBUTE:
                unknown.append(match[1])
            elif values:
                self.attribute_values[REGION_ATTRIBUTE] = values
        if unknown:
            self.add_error(None, _("Unknown attributes: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
        chosen = self.attribute_values.get(REGION_ATTRIBUTE, [])
        if not chosen:
            self.add_error(None, _("attribute[region] is required: the code of the community or village."))
        elif len(chosen) > 1:
            self.add_error(None, _("attribute[region] takes one value."))
        elif chosen[0] not in self.regions:
            self.add_error(
                None,
                _("attribute[region]: %(value)s is not a community or village of this jurisdiction.")
                % {"value": chosen[0][:32]},
            )
        else:
            data["region"] = self.regions[chosen[0]]

    def clean(self) -> dict:
        data = super().clean()
        self._clean_coordinates(data)
        located = data.get("lat") is not None or data.get("address_string") or data.get("address_id")
        if not located and not any(self.has_error(f) for f in ("lat", "long", "address_string")):
            self.add_error(None, _("Send the location: lat and long, address_string or address_id."))
        self._clean_attributes(data)
        name = " ".join(n for n in (data.get("first_name"), data.get("last_name")) if n)
        if _has_cjk(name):  # Chinese order: family name first, no space
            name = f"{data.get('last_name') or ''}{data.get('first_name') or ''}"
        data["reporter_name"] = name[:64]
        return data

    def descriptions(self) -> list[str]:
        """One line per problem, naming the parameter as the specification does."""
        lines = []
        for name, errors in self.errors.items():
            for message in errors:
                lines.append(
                    message if name == "__all__" else _("%(field)s: %(message)s") % {"field": name, "message": message}
                )
        return lines


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def derive_title(description: str, fallback: str) -> str:
    """The petition's title: the first line of the description, shortened; the service name when
    the client sent no description (the specification makes it optional)."""
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first:
        return fallback
    return first if len(first) <= 40 else first[:39] + "…"
