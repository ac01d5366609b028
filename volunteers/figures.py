"""The volunteers' section of the KPI dashboard and the monthly PDF (``core.figures``): registered and
active volunteers, hours booked and micro-wishes fulfilled, in a region's subtree over some months."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.figures import Figure, Section
from grids.models import Region
from grids.permissions import region_paths, within
from volunteers import permissions
from volunteers.models import Signup, SignupStatus, Volunteer, Wish, WishStatus


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
    ).aggregate(
        active=Count("volunteer", distinct=True),
        signups=Count("id"),
        booked=Sum(ExpressionWrapper(F("during__endswith") - F("during__startswith"), output_field=DurationField())),
    )
    fulfilled = Wish.objects.filter(
        region_path__startswith=region.path,
        fulfilled_at__gte=since,
        fulfilled_at__lt=until,
        status__in=(WishStatus.FULFILLED, WishStatus.CONFIRMED),
    ).aggregate(n=Count("id"), confirmed=Count("id", filter=Q(status=WishStatus.CONFIRMED)))
    hours = (kept["booked"] or dt.timedelta()).total_seconds() / 3600
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
                _("Volunteer hours booked"),
                f"{hours:,.1f}",
                _("Length of the opportunities volunteers kept their sign-up for (check-in not yet recorded)."),
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
