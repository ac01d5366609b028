"""The volunteers' section of the KPI dashboard and the monthly PDF (``core.figures``): registered and
active volunteers, approved service hours and micro-wishes fulfilled, in a region's subtree over some months."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.figures import Figure, Section
from grids.models import Region
from grids.permissions import region_paths, within
from volunteers import permissions
from volunteers.models import HoursStatus, ServiceHours, Signup, SignupStatus, Volunteer, Wish, WishStatus


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    after = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(start, dt.time(), tzinfo=zone), dt.datetime.combine(after, dt.time(), tzinfo=zone)


def section(*, user, region: Region, start: dt.date, end: dt.date) -> Section | None:
    if not within(region.path, region_paths(user, permissions.VIEW)):
        return None
    since, until = _bounds(start, end)
    registered = Volunteer.objects.filter(region__path__startswith=region.path, created_at__lt=until).count()
    kept = Signup.objects.filter(
        status=SignupStatus.ACTIVE,
        opportunity__region_path__startswith=region.path,
        during__startswith__gte=since,
        during__startswith__lt=until,
    ).aggregate(active=Count("volunteer", distinct=True))
    served = ServiceHours.objects.filter(
        status=HoursStatus.APPROVED,
        region_path__startswith=region.path,
        started_at__gte=since,
        started_at__lt=until,
    ).aggregate(minutes=Sum("minutes"))
    fulfilled = Wish.objects.filter(
        region_path__startswith=region.path,
        fulfilled_at__gte=since,
        fulfilled_at__lt=until,
        status__in=(WishStatus.FULFILLED, WishStatus.CONFIRMED),
    ).aggregate(n=Count("id"), confirmed=Count("id", filter=Q(status=WishStatus.CONFIRMED)))
    hours = (served["minutes"] or 0) / 60
    return Section(
        key="volunteers",
        title=_("Volunteers and micro-wishes"),
        figures=[
            Figure("registered", _("Registered volunteers"), f"{registered:,}", _("Home region in this area.")),
            Figure(
                "active",
                _("Active volunteers"),
                f"{kept['active']:,}",
                _("Volunteers with a sign-up kept for an opportunity in these months."),
            ),
            Figure(
                "hours",
                _("Volunteer hours"),
                f"{hours:,.1f}",
                _("Approved service hours served in these months (checked in and out, or entered from a sheet)."),
            ),
            Figure(
                "wishes",
                _("Micro-wishes fulfilled"),
                f"{fulfilled['n']:,}",
                _("Fulfilled in these months; %(confirmed)d of them confirmed by the resident.")
                % {"confirmed": fulfilled["confirmed"]},
            ),
        ],
    )
