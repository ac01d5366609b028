"""What Open311 adds to a petition filed through it: the key that filed it, the batch token and
the GeoReport fields the petition itself has no column for.

The petition is the record of the request (status, deadlines, timeline); this row only remembers
Open311's side of it. Nothing personal is kept here: the reporter's name and phone live on the
petition (masked there like every channel's), and the e-mail address is not stored at all.
"""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken
from core.audit import audited
from petitions.models import Petition


@pghistory.track(*audited())
class ServiceRequest(models.Model):
    """A service request (GeoReport v2) — the Open311 side of one petition."""

    petition = models.OneToOneField(
        Petition, models.CASCADE, related_name="open311_request", verbose_name=_("petition")
    )
    # The key that filed it: only that key is shown the full description and exact location.
    api_token = models.ForeignKey(
        ApiToken, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("API token")
    )
    # Opaque token of tokens/{token}: random, so it says nothing about the request.
    token = models.CharField(_("token"), max_length=32, unique=True)
    address_id = models.CharField(_("address ID"), max_length=64, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    device_id = models.CharField(_("device ID"), max_length=64, blank=True)
    account_id = models.CharField(_("account ID"), max_length=64, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 service request")
        verbose_name_plural = _("Open311 service requests")

    def __str__(self) -> str:
        return self.petition.tracking_code if self.petition_id else self.token
