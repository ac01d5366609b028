"""Pages of the volunteers app: thin, parse → scoped selector → service → render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.masking import mask_name, mask_phone
from core.pagination import keyset_page
from grids.models import Region
from grids.permissions import may, region_paths, scope_by_region, within
from volunteers import identity, matching, permissions, selectors, services
from volunteers.certificates import render_pdf
from volunteers.filters import OpportunityFilter
from volunteers.forms import (
    AvailabilityFormSet,
    HoursForm,
    MemberForm,
    OpportunityForm,
    OrganisationForm,
    PolicyForm,
    ProfileForm,
    RegistrationForm,
)
from volunteers.models import (
    OPPORTUNITY_TRANSITIONS,
    Certificate,
    Membership,
    Opportunity,
    OpportunityStatus,
    Organisation,
    ServiceHours,
    Signup,
    Volunteer,
)


def _require(request: HttpRequest, action: str) -> None:
    if not may(request.user, action):
        raise Http404


def form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- Registration ----------------------------------------------------------------------------------


def _register(request: HttpRequest, *, account, template: str, done_url, regions=None) -> HttpResponse:
    form = RegistrationForm(request.POST or None, consent_version=settings.VOLUNTEER_CONSENT_VERSION, regions=regions)
    windows = AvailabilityFormSet(request.POST or None, prefix="availability")
    if request.method == "POST" and form.is_valid() and windows.is_valid():
        data = form.cleaned_data
        try:
            volunteer = services.volunteer_register(
                actor=request.user,
                account=account,
                real_name=data["real_name"],
                phone=data["phone"],
                national_id=data["national_id"],
                region=data["region"],
                service_types=list(data["service_types"]),
                skills=data["skills"],
                availability=[w for w in (f.window() for f in windows) if w],
                consent=data["consent"],
                guardian_name=data["guardian_name"],
                guardian_phone=data["guardian_phone"],
                guardian_consent=data["guardian_consent"],
                insured_until=data["insured_until"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("Registered. The volunteer number is %(number)s.") % {"number": volunteer.number}
            )
            return redirect(done_url(volunteer))
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, "windows": windows}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A resident registers themself, on a phone."""
    if selectors.volunteer_of(request.user) is not None:
        return redirect("volunteers:me")
    return _register(
        request, account=request.user, template="volunteers/register.html", done_url=lambda v: reverse("volunteers:me")
    )


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """The signed-in volunteer's card, sign-ups and hours (or the way to register)."""
    return _me(request)


@login_required
@require_http_methods(["GET", "POST"])
def me_edit(request: HttpRequest) -> HttpResponse:
    """The volunteer's own profile and weekly availability, on a phone."""
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteers:register")
    initial = {
        "phone": volunteer.phone,
        "service_types": list(volunteer.service_types.all()),
        "skills": "、".join(volunteer.skills),
        "insured_until": volunteer.insured_until,
    }
    windows_initial = [{"weekday": w.weekday, "start": w.start, "end": w.end} for w in volunteer.availability.all()]
    form = ProfileForm(request.POST or None, initial=initial)
    windows = AvailabilityFormSet(request.POST or None, prefix="availability", initial=windows_initial)
    if request.method == "POST" and form.is_valid() and windows.is_valid():
        try:
            services.volunteer_update(
                volunteer=volunteer,
                availability=[w for w in (f.window() for f in windows) if w],
                **{**form.cleaned_data, "service_types": list(form.cleaned_data["service_types"])},
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("volunteers:me")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "windows": windows, "volunteer": volunteer}
    return render(request, "volunteers/me_edit.html", context, status=status)


def _me(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    volunteer = selectors.volunteer_of(request.user)
    context = {"volunteer": volunteer, "signups": [], "open_entry": None, "approved_hours": 0}
    if volunteer:
        context.update(
            signups=list(selectors.signups_of(volunteer)),
            open_entry=selectors.hours_open(volunteer),
            approved_hours=round(selectors.hours_total(volunteer) / 60, 1),
        )
    return render(request, "volunteers/me.html", context, status=status)


# --- Opportunities for volunteers ------------------------------------------------------------------


@login_required
@require_GET
def opportunities(request: HttpRequest) -> HttpResponse:
    """Open opportunities, newest first (keyset pages)."""
    page = keyset_page(selectors.opportunity_open(), cursor=request.GET.get("cursor"), size=20)
    volunteer = selectors.volunteer_of(request.user)
    return render(request, "volunteers/opportunities.html", {"page": page, "volunteer": volunteer})


@login_required
@require_http_methods(["GET", "POST"])
def opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    """One open opportunity; a POST signs the signed-in volunteer up."""
    try:
        found = selectors.opportunity_public_get(pk=pk)
    except Opportunity.DoesNotExist:
        raise Http404 from None
    volunteer = selectors.volunteer_of(request.user)
    error = ""
    if request.method == "POST":
        if volunteer is None:
            return redirect("volunteers:register")
        try:
            services.signup_create(volunteer=volunteer, opportunity=found)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("You are signed up. Thank you!"))
            return redirect("volunteers:me")
    mine = volunteer is not None and found.signups.filter(volunteer=volunteer, status="active").exists()
    context = {"opportunity": found, "volunteer": volunteer, "error": error, "mine": mine}
    return render(request, "volunteers/opportunity.html", context, status=400 if error else 200)


@login_required
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_of(request.user)
    signup = Signup.objects.filter(pk=pk, volunteer=volunteer).first() if volunteer else None
    if signup is None:
        raise Http404
    try:
        services.signup_cancel(volunteer=volunteer, signup=signup)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("volunteers:me")


# --- Staff pages -----------------------------------------------------------------------------------


@login_required
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VIEW)
    query = request.GET.get("q", "")[:20]
    page = keyset_page(selectors.volunteer_list(user=request.user, query=query), cursor=request.GET.get("cursor"))
    rows = [{"volunteer": v, "name": mask_name(v.real_name), "phone": mask_phone(v.phone)} for v in page.items]
    context = {"page": page, "rows": rows, "q": query, "may_add": may(request.user, permissions.MANAGE)}
    return render(request, "volunteers/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_add(request: HttpRequest) -> HttpResponse:
    """A coordinator registers someone (no account of their own needed)."""
    _require(request, permissions.MANAGE)
    return _register(
        request,
        account=None,
        template="volunteers/add.html",
        done_url=lambda v: reverse("volunteers:detail", args=[v.number]),
        # A coordinator registers people of their own regions only (and then sees them in the list).
        regions=scope_by_region(Region.objects.all(), user=request.user, action=permissions.MANAGE, path_lookup="path"),
    )


def _volunteer_or_404(request: HttpRequest, number: str, action: str = permissions.VIEW) -> Volunteer:
    _require(request, action)
    try:
        return selectors.volunteer_get(user=request.user, number=number, action=action)
    except Volunteer.DoesNotExist:
        raise Http404 from None


def _masked(volunteer: Volunteer) -> dict:
    return {
        "name": mask_name(volunteer.real_name),
        "phone": mask_phone(volunteer.phone),
        "national_id": identity.mask(identity.decrypt(volunteer.id_encrypted)),
    }


@login_required
@require_GET
def volunteer_detail(request: HttpRequest, number: str) -> HttpResponse:
    volunteer = _volunteer_or_404(request, number)
    context = {
        "volunteer": volunteer,
        "personal": _masked(volunteer),
        "revealed": False,
        "can_reveal": may(request.user, permissions.REVEAL)
        and scope_by_region(
            Volunteer.objects.filter(pk=volunteer.pk), user=request.user, action=permissions.REVEAL
        ).exists(),
        "signups": list(selectors.signups_of(volunteer)[:20]),
    }
    return render(request, "volunteers/detail.html", context)


@login_required
@require_POST
def volunteer_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """Unmask the name, phone and ID number; every reveal is logged."""
    volunteer = _volunteer_or_404(request, number, permissions.REVEAL)
    personal = services.volunteer_reveal(
        user=request.user, volunteer=volunteer, ip_address=request.META.get("REMOTE_ADDR")
    )
    context = {"volunteer": volunteer, "personal": personal, "revealed": True, "can_reveal": True}
    if request.htmx:
        return render(request, "volunteers/_personal.html", context)
    context["signups"] = list(selectors.signups_of(volunteer)[:20])
    return render(request, "volunteers/detail.html", context)


@login_required
@require_GET
def staff_opportunities(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VIEW)
    filters = request.GET.copy()
    filters.pop("cursor", None)
    filterset = OpportunityFilter(filters, queryset=selectors.opportunity_list(user=request.user))
    valid = filterset.is_valid()
    page = keyset_page(
        filterset.qs if valid else Opportunity.objects.none(), cursor=request.GET.get("cursor") if valid else None
    )
    context = {
        "page": page,
        "filterset": filterset,
        "next_query": _next_query(request, page.next_cursor),
        "may_publish": may(request.user, permissions.PUBLISH),
        "may_fill": may(request.user, permissions.MANAGE),
    }
    return render(request, "volunteers/staff_opportunities.html", context, status=200 if valid else 400)


def _petition_for(request: HttpRequest, raw: str | None):
    """The petition an opportunity is published from, read through the petitions' own scope."""
    if not raw:
        return None
    from petitions import selectors as petition_selectors
    from petitions.models import Petition

    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    try:
        return petition_selectors.petition_get(user=request.user, pk=int(raw))
    except Petition.DoesNotExist:
        raise Http404 from None


def _wish_for(request: HttpRequest, raw: str | None):
    """The micro-wish an opportunity is published for, read through the wishes' own scope."""
    if not raw:
        return None
    from volunteers.models import Wish

    try:
        return selectors.wish_get(user=request.user, code=raw[:12])
    except Wish.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_new(request: HttpRequest) -> HttpResponse:
    """Publish an opportunity; with ``?petition=<id>`` it is published from that petition."""
    _require(request, permissions.PUBLISH)
    petition = _petition_for(request, request.GET.get("petition"))
    wish = _wish_for(request, request.GET.get("wish"))
    regions = scope_by_region(Region.objects.all(), user=request.user, action=permissions.PUBLISH, path_lookup="path")
    organisations = scope_by_region(
        Organisation.objects.all(), user=request.user, action=permissions.PUBLISH, path_lookup="region__path"
    )
    initial = {}
    if petition is not None:
        initial = {"title": petition.title, "region": petition.region_id, "address": petition.address, "places": 2}
    elif wish is not None:
        initial = {"title": _("Micro-wish: %(title)s") % {"title": wish.title}, "region": wish.region_id, "places": 1}
    form = OpportunityForm(
        request.POST or None, initial=initial, regions=regions.order_by("path"), organisations=organisations
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.opportunity_create(
                user=request.user,
                title=data["title"],
                description=data["description"],
                region=data["region"],
                address=data["address"],
                service_type=data["service_type"],
                skills=data["skills"],
                start=data["starts_at"],
                end=data["ends_at"],
                places=data["places"],
                insurance_required=data["insurance_required"],
                organisation=data["organisation"],
                petition=petition,
                wish=wish,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The opportunity is published."))
            return redirect("volunteers:opportunity_manage", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "petition": petition, "wish": wish}
    return render(request, "volunteers/opportunity_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The staff view of an opportunity: who signed up (by volunteer number), suggestions; a POST
    closes, reopens or cancels it (those who may publish, in their regions)."""
    _require(request, permissions.VIEW)
    try:
        found = selectors.opportunity_get(user=request.user, pk=pk)
    except Opportunity.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        if not within(found.region_path, region_paths(request.user, permissions.PUBLISH)):
            raise Http404
        try:
            services.opportunity_set_status(user=request.user, opportunity=found, status=request.POST.get("status", ""))
        except DomainError as exc:
            return _render_manage(request, found, error=exc.message)
        messages.success(request, _("The opportunity is updated."))
        return redirect("volunteers:opportunity_manage", pk=found.pk)
    return _render_manage(request, found)


def _render_manage(request: HttpRequest, found: Opportunity, *, error: str = "") -> HttpResponse:
    may_invite = may(request.user, permissions.MANAGE) and found.status == "open"
    may_change = within(found.region_path, region_paths(request.user, permissions.PUBLISH))
    context = {
        "may_change": may_change,
        "next_statuses": [
            (value, OpportunityStatus(value).label) for value in sorted(OPPORTUNITY_TRANSITIONS[found.status])
        ],
        "opportunity": found,
        "signups": list(selectors.signups_for(found)),
        "suggestions": matching.suggestions(found) if found.status == "open" else [],
        "may_invite": may_invite,
        "error": error,
    }
    return render(request, "volunteers/opportunity_manage.html", context, status=400 if error else 200)


@login_required
@require_POST
def opportunity_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a suggested volunteer (the coordinator asked them first)."""
    _require(request, permissions.MANAGE)
    try:
        found = selectors.opportunity_get(user=request.user, pk=pk, action=permissions.MANAGE)
    except Opportunity.DoesNotExist:
        raise Http404 from None
    number = request.POST.get("number", "")[:12]
    try:
        volunteer = selectors.volunteer_get(user=request.user, number=number, action=permissions.MANAGE)
    except Volunteer.DoesNotExist:
        return _render_manage(request, found, error=_("No volunteer with this number in your region."))
    try:
        services.signup_invite(user=request.user, volunteer=volunteer, opportunity=found)
    except DomainError as exc:
        return _render_manage(request, found, error=exc.message)
    messages.success(request, _("%(number)s is booked.") % {"number": volunteer.number})
    return redirect("volunteers:opportunity_manage", pk=found.pk)


@login_required
@require_POST
def opportunity_fill(request: HttpRequest) -> HttpResponse:
    """Fill the next seven days' open opportunities with the best total match."""
    _require(request, permissions.MANAGE)
    booked = services.opportunity_batch_fill(
        user=request.user, opportunities=list(selectors.opportunities_to_fill(user=request.user))
    )
    messages.success(request, _("%(count)d volunteers booked.") % {"count": len(booked)})
    return redirect("volunteers:staff_opportunities")


# --- Hours -------------------------------------------------------------------------------------------


@login_required
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The volunteer checks in for one of their sign-ups (on a phone, at the place)."""
    volunteer = selectors.volunteer_of(request.user)
    signup = (
        Signup.objects.select_related("opportunity").filter(pk=pk, volunteer=volunteer).first() if volunteer else None
    )
    if signup is None:
        raise Http404
    try:
        services.hours_check_in(volunteer=volunteer, signup=signup)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _me(request, status=400)
    messages.success(request, _("Checked in. Check out when you leave."))
    return redirect("volunteers:me")


@login_required
@require_POST
def check_out(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_of(request.user)
    entry = ServiceHours.objects.filter(pk=pk, volunteer=volunteer).first() if volunteer else None
    if entry is None:
        raise Http404
    try:
        services.hours_check_out(volunteer=volunteer, entry=entry)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _me(request, status=400)
    messages.success(request, _("Checked out. The coordinator will approve your hours."))
    return redirect("volunteers:me")


@login_required
@require_http_methods(["GET", "POST"])
def hours_queue(request: HttpRequest) -> HttpResponse:
    """Hours awaiting approval in the coordinator's regions; approve or reject the ticked ones at once."""
    _require(request, permissions.MANAGE)
    queue = selectors.hours_queue(user=request.user)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("ids") if i.isascii() and i.isdigit() and len(i) < 19]
        decision = request.POST.get("decision")
        if not ids or decision not in ("approve", "reject"):
            messages.error(request, _("Tick at least one entry and choose approve or reject."))
        else:
            done = services.hours_decide(
                user=request.user, entries=list(queue.filter(pk__in=ids)), approve=decision == "approve"
            )
            messages.success(request, _("%(count)d entries decided.") % {"count": done})
            return redirect("volunteers:hours_queue")
    page = keyset_page(queue, cursor=request.GET.get("cursor"), size=50)
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteers/hours_queue.html", {"page": page}, status=status)


# --- Certificates --------------------------------------------------------------------------------------


@login_required
@require_POST
def certificate_issue(request: HttpRequest, number: str) -> HttpResponse:
    volunteer = _volunteer_or_404(request, number, permissions.MANAGE)
    try:
        certificate = services.certificate_issue(
            user=request.user, volunteer=volunteer, issuer=request.POST.get("issuer", "")[:100]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("volunteers:detail", number=volunteer.number)
    return redirect("volunteers:certificate_pdf", number=certificate.number)


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The PDF, for the volunteer themself or a coordinator of their region."""
    certificate = Certificate.objects.select_related("volunteer__region").filter(number=number[:20]).first()
    if certificate is None:
        raise Http404
    own = certificate.volunteer.user_id == request.user.pk
    if not own and not within(certificate.volunteer.region.path, region_paths(request.user, permissions.MANAGE)):
        raise Http404
    response = HttpResponse(render_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response


@require_GET
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """Anyone may check a certificate number and see what the certificate shows, nothing more."""
    number = request.GET.get("number", "").strip().upper()[:20]
    found = Certificate.objects.filter(number=number).first() if number else None
    return render(request, "volunteers/verify.html", {"number": number, "certificate": found})


@login_required
@require_http_methods(["GET", "POST"])
def hours_new(request: HttpRequest) -> HttpResponse:
    """A coordinator enters hours from a paper sign-in sheet; they join the approval queue."""
    _require(request, permissions.MANAGE)
    regions = scope_by_region(Region.objects.all(), user=request.user, action=permissions.MANAGE, path_lookup="path")
    form = HoursForm(request.POST or None, regions=regions.order_by("path"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = selectors.volunteer_get(user=request.user, number=data["number"], action=permissions.MANAGE)
        except Volunteer.DoesNotExist:
            form.add_error("number", _("No volunteer with this number in your region."))
        else:
            try:
                services.hours_record(
                    user=request.user,
                    volunteer=volunteer,
                    region=data["region"],
                    start=data["starts_at"],
                    end=data["ends_at"],
                    note=data["note"],
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The hours are recorded and await approval."))
                return redirect("volunteers:hours_queue")
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteers/hours_new.html", {"form": form}, status=status)


# --- Organisations and studios ----------------------------------------------------------------------


def _next_query(request: HttpRequest, cursor: str | None) -> str:
    if not cursor:
        return ""
    params = request.GET.copy()
    params["cursor"] = cursor
    return params.urlencode()


def _manage_regions(request: HttpRequest):
    return scope_by_region(
        Region.objects.filter(level__in=(2, 3)), user=request.user, action=permissions.MANAGE, path_lookup="path"
    )


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    """Volunteer organisations and studios of the user's regions, filtered by name and kind."""
    _require(request, permissions.VIEW)
    filters = request.GET.copy()
    filters.pop("cursor", None)
    page, filterset = selectors.organisation_list(user=request.user, filters=filters, cursor=request.GET.get("cursor"))
    context = {
        "page": page,
        "filterset": filterset,
        "next_query": _next_query(request, page.next_cursor),
        "may_add": may(request.user, permissions.MANAGE),
        "today": timezone.localdate(),
    }
    return render(request, "volunteers/organisation_list.html", context, status=200 if filterset.is_valid() else 400)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.MANAGE)
    form = OrganisationForm(request.POST or None, regions=_manage_regions(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.organisation_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The organisation is recorded."))
            return redirect("volunteers:organisation", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteers/organisation_new.html", {"form": form}, status=status)


def _organisation_or_404(request: HttpRequest, pk: int, action: str = permissions.VIEW) -> Organisation:
    _require(request, action)
    try:
        return selectors.organisation_get(user=request.user, pk=pk, action=action)
    except Organisation.DoesNotExist:
        raise Http404 from None


def _render_organisation(request, organisation, *, member_form=None, policy_form=None, error: str = ""):
    members = [{"membership": m, "name": mask_name(m.volunteer.real_name)} for m in selectors.members_of(organisation)]
    may_manage = may(request.user, permissions.MANAGE) and within(
        organisation.region.path, region_paths(request.user, permissions.MANAGE)
    )
    context = {
        "organisation": organisation,
        "members": members,
        "policies": list(selectors.policies_of(organisation)),
        "today": timezone.localdate(),
        "may_manage": may_manage,
        "member_form": member_form or MemberForm(),
        "policy_form": policy_form or PolicyForm(),
        "roles": Membership.Role.choices,
        "error": error,
    }
    invalid = (
        error or (member_form is not None and member_form.errors) or (policy_form is not None and policy_form.errors)
    )
    return render(request, "volunteers/organisation.html", context, status=400 if invalid else 200)


@login_required
@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An organisation or studio: its members and roles (by volunteer number) and its policies."""
    return _render_organisation(request, _organisation_or_404(request, pk))


@login_required
@require_POST
def organisation_member(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a volunteer of the coordinator's regions as a member, or change a member's role."""
    organisation = _organisation_or_404(request, pk, permissions.MANAGE)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            volunteer = selectors.volunteer_get(
                user=request.user, number=form.cleaned_data["number"].strip(), action=permissions.MANAGE
            )
        except Volunteer.DoesNotExist:
            form.add_error("number", _("No volunteer with this number in your region."))
        else:
            services.membership_set(
                user=request.user, organisation=organisation, volunteer=volunteer, role=form.cleaned_data["role"]
            )
            messages.success(request, _("%(number)s is a member.") % {"number": volunteer.number})
            return redirect("volunteers:organisation", pk=organisation.pk)
    return _render_organisation(request, organisation, member_form=form)


@login_required
@require_POST
def organisation_member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation_or_404(request, pk, permissions.MANAGE)
    number = request.POST.get("number", "")[:12]
    membership = Membership.objects.filter(organisation=organisation, volunteer__number=number).first()
    if membership is None:
        return _render_organisation(request, organisation, error=_("This volunteer is not a member."))
    services.membership_remove(user=request.user, organisation=organisation, volunteer=membership.volunteer)
    messages.success(request, _("%(number)s is no longer a member.") % {"number": number})
    return redirect("volunteers:organisation", pk=organisation.pk)


@login_required
@require_POST
def organisation_policy(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an accident-insurance policy of the organisation."""
    organisation = _organisation_or_404(request, pk, permissions.MANAGE)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            services.policy_add(user=request.user, organisation=organisation, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The policy is recorded."))
            return redirect("volunteers:organisation", pk=organisation.pk)
    return _render_organisation(request, organisation, policy_form=form)
