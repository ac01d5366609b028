"""Writes for Open311: a service request enters the normal pipeline through the intake service.

``service_request_create`` files the petition with ``petitions.services.petition_file`` (channel
``open311``, filed by the api_key's user: triage deadline, notifications, timeline and audit all as
for any channel) and keeps Open311's side of it in ``ServiceRequest``.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import ApiToken
from grids.models import Region
from open311.models import ServiceRequest
from petitions import services as petition_services
from petitions.models import Category, Channel


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, 128 random bits


@transaction.atomic
def service_request_create(
    *,
    api_token: ApiToken,
    category: Category,
    region: Region,
    title: str,
    description: str,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    address_id: str = "",
    media_url: str = "",
    device_id: str = "",
    account_id: str = "",
    attributes: dict | None = None,
) -> ServiceRequest:
    """File a petition for an Open311 client. Without a name and a phone the report is anonymous."""
    petition, _evaluation_token = petition_services.petition_file(
        channel=Channel.OPEN311,
        category=category,
        region=region,
        title=title,
        description=description,
        address=address,
        latitude=latitude,
        longitude=longitude,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        anonymous=not (reporter_name or reporter_phone),
        filed_by=api_token.user,
    )
    if media_url:
        # Staff see the client's photo link in the timeline; it is never shown publicly.
        petition = petition_services.petition_note(
            user=api_token.user,
            petition=petition,
            text=_("Photo or other media sent with the report: %(url)s") % {"url": media_url},
            public=False,
        )
    return ServiceRequest.objects.create(
        petition=petition,
        api_token=api_token,
        token=new_token(),
        address_id=address_id,
        media_url=media_url,
        device_id=device_id,
        account_id=account_id,
        attributes=attributes or {},
    )
