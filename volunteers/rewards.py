"""Rewards instead of subsidies (以奖代补): what an organisation delivered over a period, for the funds
app to reward it from a subsidy programme (``funds.services.reward_propose``).

What counts is the organisation's own service: **approved** hours (``HoursStatus.APPROVED``) served on
its opportunities (``Opportunity.organisation``), started within the period (local dates, both ends
included). Hours waiting for approval, rejected or still checked in do not count; neither do hours a
member served for someone else's opportunity (those are that organiser's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from volunteers.models import HoursStatus, Organisation, ServiceHours


@dataclass(frozen=True)
class OrganisationService:
    """An organisation's approved service over a period."""

    organisation_id: int
    start: dt.date
    end: dt.date
    minutes: int  # approved minutes
    records: int  # approved hour records
    volunteers: int  # distinct volunteers who served
    activities: int  # distinct opportunities (activities) served on

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return first, after


def organisation_service(*, organisation: Organisation, start: dt.date, end: dt.date) -> OrganisationService:
    """The organisation's approved service from ``start`` to ``end`` (one aggregate query). The caller
    fetched ``organisation`` through its own scoped query."""
    first, after = _bounds(start, end)
    row = ServiceHours.objects.filter(
        status=HoursStatus.APPROVED,
        opportunity__organisation=organisation,
        started_at__gte=first,
        started_at__lt=after,
    ).aggregate(
        minutes=Sum("minutes"),
        records=Count("id"),
        volunteers=Count("volunteer", distinct=True),
        activities=Count("opportunity", distinct=True),
    )
    return OrganisationService(
        organisation_id=organisation.pk,
        start=start,
        end=end,
        minutes=int(row["minutes"] or 0),
        records=row["records"],
        volunteers=row["volunteers"],
        activities=row["activities"],
    )


def organisations_with_service(
    organisations: QuerySet[Organisation], *, start: dt.date, end: dt.date
) -> QuerySet[Organisation]:
    """``organisations`` (already scoped by the caller) annotated with their approved minutes over the
    period (``service_minutes``), those with any first, by name (one query)."""
    first, after = _bounds(start, end)
    served = Q(
        opportunities__hours__status=HoursStatus.APPROVED,
        opportunities__hours__started_at__gte=first,
        opportunities__hours__started_at__lt=after,
    )
    return organisations.annotate(service_minutes=Sum("opportunities__hours__minutes", filter=served)).order_by(
        "name", "id"
    )
