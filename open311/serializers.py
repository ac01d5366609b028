"""GeoReport v2 shapes (in the JSON form; ``formats.to_xml`` derives the XML).

The portal's states map onto Open311's two:

- ``open``: new, assigned, accepted, waiting — someone still has to act.
- ``closed``: replied (the unit answered; the resident's evaluation may still send it back, and
  then it is ``open`` again), closed, and merged (folded into another report of the same problem).

A request is public, but the people in it are not: names, phones, e-mails, internal notes and staff
never appear (phone-like digit runs in a public title are masked too). The description and the exact
location (address, lat/long, address_id, media_url) are shown only to the api_key that filed the
request; everyone else gets the title and the names of the places (compound, community, street,
district).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from core.masking import mask_numbers
from open311.formats import MIME_TYPES, w3c
from open311.forms import REGION_ATTRIBUTE
from petitions.models import ANSWERED_STATUSES, OPEN_STATUSES, UNFIXED_OUTCOMES, Category, Petition, Status

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def discovery(*, endpoint_url: str, key_url: str) -> dict:
    key_service = _(
        "Signed in to the portal, create an api_key with the scope “open311” at %(url)s under one of "
        "your roles; it is shown once."
    ) % {"url": key_url}
    return {
        "changeset": settings.OPEN311_CHANGESET,
        "contact": _("Zhenhai community portal: ask your community's service centre, or the portal's administrators."),
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": settings.OPEN311_CHANGESET,
                "type": settings.OPEN311_ENDPOINT_TYPE,
                "formats": list(MIME_TYPES),
            }
        ],
    }


def service(category: Category) -> dict:
    group = category.get_default_unit_kind_display() if category.default_unit_kind else None
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.open311_description or category.name,
        "metadata": True,  # the "region" attribute is required
        "type": settings.OPEN311_SERVICE_TYPE,
        "keywords": ", ".join(dict.fromkeys([category.name_zh, category.name_en])),
        "group": str(group) if group else None,
    }


def service_definition(category: Category, regions) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": REGION_ATTRIBUTE,
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": _("The code of one community or village from the list."),
                "order": 1,
                "description": _("Which community or village is the problem in?"),
                "values": [{"key": region.code, "name": region.name} for region in regions],
            }
        ],
    }


def open311_status(petition: Petition) -> str:
    return "open" if petition.status in OPEN_STATUSES else "closed"


def _updated(petition: Petition):
    """For closed requests the specification wants the date it was closed."""
    if petition.status == Status.REPLIED and petition.replied_at:
        return petition.replied_at
    if petition.status == Status.CLOSED and petition.closed_at:
        return petition.closed_at
    return petition.updated_at


def _status_notes(petition: Petition) -> str | None:
    if petition.status == Status.MERGED:
        # The merge note names the other item; the public side never does.
        return _("Merged with another report of the same problem.")
    notes = getattr(petition, "notes", None) or ""
    if petition.status in ANSWERED_STATUSES and petition.outcome in UNFIXED_OUTCOMES:
        # "closed" alone would read as fixed: say it was not, and why, before the explanation.
        reason = _("Closed without a fix: %(reason)s.") % {"reason": petition.get_outcome_display()}
        return f"{reason} {notes}".strip()
    if not notes:
        # Nobody has written to the resident yet: what the timeline's first entry says, in words.
        return _("Filed through %(channel)s.") % {"channel": petition.get_channel_display()}
    return notes


def public_title(title: str) -> str:
    """A phone number a resident may have typed into the first line of a report, which became its
    public title, is masked however it is written (``core.masking.mask_numbers``)."""
    return mask_numbers(title)


def _number(value) -> float | None:
    return None if value is None else float(value)


def request(petition: Petition, *, places: dict[str, str], full: bool) -> dict:
    """One service request. ``full``: the caller's api_key filed it (see the module docstring)."""
    extra = getattr(petition, "open311_request", None) if full else None
    place = places.get(petition.region_path) or petition.region.name
    address = ", ".join(part for part in (petition.address, place) if part) if full else place
    return {
        "service_request_id": petition.tracking_code,
        "status": open311_status(petition),
        "status_notes": _status_notes(petition),
        "service_name": petition.category.name,
        "service_code": petition.category.code,
        "description": petition.description if full else public_title(petition.title),
        "agency_responsible": petition.unit.name if petition.unit_id else None,
        "service_notice": petition.get_klass_display() if petition.klass else None,
        "requested_datetime": w3c(petition.created_at),
        "updated_datetime": w3c(_updated(petition)),
        "expected_datetime": w3c(petition.resolve_by),
        "address": address,
        "address_id": (extra.address_id or None) if extra else None,
        "zipcode": None,
        "lat": _number(petition.latitude) if full else None,
        "long": _number(petition.longitude) if full else None,
        "media_url": (extra.media_url or None) if extra else None,
    }


def created(service_request, *, batch: bool) -> dict:
    """The answer to POST requests: the ID (realtime) or a token (batch), never both."""
    petition = service_request.petition
    if petition.reporter_phone:
        notice = _(
            "Received. It will be triaged within one working day; text messages to the phone number "
            "given will follow its progress."
        )
    else:
        notice = _("Received. It will be triaged within one working day.")
    key, value = ("token", service_request.token) if batch else ("service_request_id", petition.tracking_code)
    return {key: value, "service_notice": notice, "account_id": None}


def token(service_request) -> dict:
    return {"service_request_id": service_request.petition.tracking_code, "token": service_request.token}
