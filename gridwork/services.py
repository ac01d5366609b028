"""Writes of grid work: ``<entity>_<verb>(*, …)``, atomic, audited, scoped.

Whatever becomes a petition goes through ``petitions.services.petition_file`` (the one intake), in
the same transaction as the link back, and leaves an entry on the petition's timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import pghistory
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from grids.models import Region
from gridwork import permissions
from gridwork.models import MAX_HOURS, FieldDay, Finding
from petitions import permissions as petition_permissions
from petitions import services as petition_services
from petitions.models import Category, Channel, Petition

FINDING_EVENT = "gridwork.field_day"
TITLE_LENGTH = 120


def findings_from_text(text: str) -> list[str]:
    """One finding per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _check_day(*, user, grid: Region, date: dt.date, hours) -> Decimal:
    if grid.level != 5 or not permissions.may_in(user, permissions.LOG_FIELD_DAY, grid.path):
        raise DomainError(_("Choose one of your own grids."), field="grid")
    if date > timezone.localdate():
        raise DomainError(_("A field day cannot be in the future."), field="date")
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        raise DomainError(_("Enter the hours as a number."), field="hours") from None
    if not hours.is_finite() or not (0 <= hours <= MAX_HOURS):
        raise DomainError(_("Hours must be between 0 and 24."), field="hours")
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def field_day_log(
    *,
    user,
    grid: Region,
    date: dt.date,
    hours,
    households: int = 0,
    notes: str = "",
    findings: Sequence[str] = (),
) -> FieldDay:
    """Record a grid leader's day in one of their grids, with what they found there."""
    hours = _check_day(user=user, grid=grid, date=date, hours=hours)
    if households < 0:
        raise DomainError(_("The number of households cannot be negative."), field="households")
    day = FieldDay(
        leader=user,
        grid=grid,
        region_path=grid.path,
        date=date,
        hours=hours,
        households=households,
        notes=(notes or "").strip(),
    )
    try:
        with transaction.atomic(), pghistory.context(action="field_day_log"):
            day.save(force_insert=True)
    except IntegrityError:
        raise DomainError(_("You have already recorded a field day in this grid on that date."), field="date") from None
    with pghistory.context(action="field_day_log"):
        Finding.objects.bulk_create([Finding(field_day=day, text=text.strip()) for text in findings if text.strip()])
    return day


@transaction.atomic
def finding_file(
    *,
    user,
    finding: Finding,
    category: Category,
    title: str = "",
    description: str = "",
    address: str = "",
) -> Petition:
    """File a finding as a petition in one step: channel "grid", the field day's grid as its place,
    the finding's text as title and description unless given; the finding links to it."""
    finding = Finding.objects.select_for_update().select_related("field_day__grid").get(pk=finding.pk)
    day = finding.field_day
    if not (
        permissions.may_in(user, permissions.FILE_FROM, day.region_path)
        and permissions.may_in(user, petition_permissions.FILE, day.region_path)
    ):
        raise DomainError(_("You may not file petitions in this grid."))
    if finding.petition_id:
        raise DomainError(_("This finding is already a petition."))
    text = finding.text
    petition, _token = petition_services.petition_file(
        channel=Channel.GRID,
        category=category,
        region=day.grid,
        title=(title or text).strip()[:TITLE_LENGTH],
        description=(description or text).strip(),
        address=address,
        filed_by=user,
    )
    finding.petition = petition
    with pghistory.context(action="finding_file"):
        finding.save(update_fields=["petition"])
    petition_services.petition_log(
        petition=petition,
        name=FINDING_EVENT,
        params={"date": day.date.isoformat(), "grid": day.grid.name, "field_day": day.pk},
        actor=user,
    )
    return petition
