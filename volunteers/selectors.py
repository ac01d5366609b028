"""Reads of the volunteers app, scoped first (by region) so a filter can never widen access."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from core.pagination import KeysetPage, keyset_page
from volunteers import permissions
from volunteers.filters import OrganisationFilter
from volunteers.models import (
    HoursStatus,
    InsurancePolicy,
    Membership,
    Opportunity,
    OpportunityStatus,
    Organisation,
    ServiceHours,
    Signup,
    SignupStatus,
    Volunteer,
    Wish,
    WishStatus,
)


def volunteer_list(*, user, query: str = "") -> QuerySet[Volunteer]:
    """Volunteers whose home region lies in the user's scope, newest first; searched by number only
    (names and phones are personal data, never a search key on a list)."""
    qs = permissions.scope_volunteers(Volunteer.objects.select_related("region"), user)
    if query:
        qs = qs.filter(number__iexact=query.strip())
    return qs.prefetch_related("service_types").order_by("-id")


def volunteer_get(*, user, number: str, action: str = permissions.VIEW) -> Volunteer:
    """One volunteer in scope (Volunteer.DoesNotExist otherwise → 404)."""
    qs = permissions.scope_volunteers(Volunteer.objects.select_related("region"), user, action)
    return qs.prefetch_related("service_types", "availability").get(number=number)


def volunteer_of(user) -> Volunteer | None:
    """The signed-in person's own volunteer record, if they registered."""
    if not user.is_authenticated:
        return None
    return Volunteer.objects.filter(user=user).select_related("region").first()


def _with_taken(qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return qs.select_related("region", "service_type", "organisation").annotate(
        taken=Count("signups", filter=Q(signups__status=SignupStatus.ACTIVE))
    )


def opportunity_open(*, region_path: str = "") -> QuerySet[Opportunity]:
    """Opportunities anyone signed in may sign up for: open and not yet started, soonest last id first."""
    qs = Opportunity.objects.filter(status=OpportunityStatus.OPEN, during__startswith__gt=timezone.now())
    if region_path:
        qs = qs.filter(region_path__startswith=region_path)
    return _with_taken(qs).order_by("-id")


def opportunity_public_get(*, pk: int) -> Opportunity:
    """An open opportunity as a volunteer sees it (Opportunity.DoesNotExist otherwise)."""
    return _with_taken(Opportunity.objects.filter(status=OpportunityStatus.OPEN)).get(pk=pk)


def opportunity_list(*, user) -> QuerySet[Opportunity]:
    """Every opportunity in the staff user's scope, newest first."""
    return _with_taken(permissions.scope_opportunities(Opportunity.objects.all(), user)).order_by("-id")


def opportunity_get(*, user, pk: int, action: str = permissions.VIEW) -> Opportunity:
    return _with_taken(permissions.scope_opportunities(Opportunity.objects.all(), user, action)).get(pk=pk)


def signups_of(volunteer: Volunteer) -> QuerySet[Signup]:
    return (
        Signup.objects.filter(volunteer=volunteer, status=SignupStatus.ACTIVE)
        .select_related("opportunity", "opportunity__region")
        .order_by("-id")
    )


def signups_for(opportunity: Opportunity) -> QuerySet[Signup]:
    return (
        Signup.objects.filter(opportunity=opportunity, status=SignupStatus.ACTIVE)
        .select_related("volunteer")
        .order_by("id")
    )


def opportunities_of_petition(*, user, petition_id: int) -> QuerySet[Opportunity]:
    return permissions.scope_opportunities(Opportunity.objects.filter(petition_id=petition_id), user).order_by("id")


def opportunities_of_wish(*, user, wish: Wish) -> QuerySet[Opportunity]:
    """The opportunities published for a wish that the user may see, with their places taken."""
    return _with_taken(permissions.scope_opportunities(Opportunity.objects.filter(wish=wish), user)).order_by("id")


def opportunities_to_fill(*, user, days: int = 7) -> QuerySet[Opportunity]:
    """Open opportunities in the user's scope to manage that start within ``days`` days."""
    now = timezone.now()
    qs = Opportunity.objects.filter(
        status=OpportunityStatus.OPEN,
        during__startswith__gt=now,
        during__startswith__lt=now + dt.timedelta(days=days),
    )
    return permissions.scope_opportunities(qs, user, permissions.MANAGE).order_by("id")


# --- Micro-wishes ------------------------------------------------------------------------------------

WALL_STATUSES = (WishStatus.PUBLISHED, WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED)


def wish_wall() -> QuerySet[Wish]:
    """What the public wall shows: verified wishes, newest first. Callers show only the fields in
    ``WALL_FIELDS`` (pseudonym and community, never the resident)."""
    return Wish.objects.filter(status__in=WALL_STATUSES).select_related("region").order_by("-id")


def wish_public_get(*, code: str) -> Wish:
    return wish_wall().get(code=code)


def wish_list(*, user) -> QuerySet[Wish]:
    return permissions.scope_wishes(Wish.objects.select_related("region"), user).order_by("-id")


def wish_get(*, user, code: str, action: str = permissions.WISH_COLLECT) -> Wish:
    return permissions.scope_wishes(Wish.objects.select_related("region"), user, action).get(code=code)


def wishes_claimed_by(user) -> QuerySet[Wish]:
    return Wish.objects.filter(claimed_by=user, status=WishStatus.CLAIMED).select_related("region").order_by("-id")


# --- Hours -------------------------------------------------------------------------------------------


def hours_queue(*, user) -> QuerySet[ServiceHours]:
    """Entries awaiting approval where they were served, in the user's scope to manage."""
    qs = ServiceHours.objects.filter(status=HoursStatus.PENDING).select_related("volunteer", "opportunity")
    return permissions.scope_opportunities(qs, user, permissions.MANAGE).order_by("-id")


def hours_open(volunteer: Volunteer) -> ServiceHours | None:
    return ServiceHours.objects.filter(volunteer=volunteer, status=HoursStatus.OPEN).first()


def hours_total(volunteer: Volunteer) -> int:
    """Approved minutes of the volunteer."""
    return (
        ServiceHours.objects.filter(volunteer=volunteer, status=HoursStatus.APPROVED).aggregate(m=Sum("minutes"))["m"]
        or 0
    )


# --- Organisations and studios -----------------------------------------------------------------------


def organisation_queryset(*, user, action: str = permissions.VIEW) -> QuerySet[Organisation]:
    """Organisations and studios of the user's regions."""
    return permissions.scope_organisations(Organisation.objects.all(), user, action)


def organisation_list(*, user, filters, cursor: str | None = None, size: int = 25):
    """The user's organisations, newest first, filtered by ``OrganisationFilter``; each with its
    member count and the end of its latest policy. An invalid filter gives an empty page."""
    filterset = OrganisationFilter(filters, queryset=organisation_queryset(user=user))
    if not filterset.is_valid():
        return KeysetPage(items=[], next_cursor=None, has_more=False), filterset
    page = keyset_page(
        filterset.qs,
        cursor=cursor,
        ordering="-id",
        size=size,
        rows=lambda qs: qs.select_related("region").annotate(
            member_count=Count("memberships", distinct=True), insured_until=Max("policies__ends_on")
        ),
    )
    return page, filterset


def organisation_get(*, user, pk: int, action: str = permissions.VIEW) -> Organisation:
    """One organisation in scope (Organisation.DoesNotExist otherwise → 404)."""
    return organisation_queryset(user=user, action=action).select_related("region").get(pk=pk)


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    """The members, managers and team leaders first."""
    order = {Membership.Role.MANAGER: 0, Membership.Role.LEADER: 1, Membership.Role.MEMBER: 2}
    rank = Case(*[When(role=r, then=Value(v)) for r, v in order.items()], output_field=IntegerField())
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("volunteer")
        .annotate(rank=rank)
        .order_by("rank", "id")
    )


def policies_of(organisation: Organisation) -> QuerySet[InsurancePolicy]:
    return InsurancePolicy.objects.filter(organisation=organisation).order_by("-ends_on", "-id")
