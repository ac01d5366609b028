"""Pages of grid work: thin — parse, read through the scoped selector, call the service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from grids.permissions import may
from gridwork import extensions, permissions, selectors, services
from gridwork.forms import (
    DashboardForm,
    FieldDayForm,
    FileFromForm,
    HouseholdForm,
    HouseholdImportForm,
    MeetingForm,
    ReceptionForm,
    ResolutionForm,
    StationActivityForm,
    StationFileForm,
    StationMemberForm,
    StationMemberRemoveForm,
    VisitForm,
    WishFromForm,
)
from petitions import selectors as petition_selectors

PAGE_SIZE = 25


def _require(request: HttpRequest, action: str) -> None:
    if not may(request.user, action):
        raise Http404


def form_error(form, exc: DomainError) -> None:
    """A refused domain action next to its field, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _next_query(request: HttpRequest, cursor: str | None) -> str:
    if not cursor:
        return ""
    params = request.GET.copy()
    params["cursor"] = cursor
    return params.urlencode()


def _list(request: HttpRequest, select, template: str, **extra) -> HttpResponse:
    """A list in the user's scope, filtered, one keyset page: ``select(user=, filters=, cursor=, size=)``
    gives (page, filterset). A filter that does not parse answers 400 with the form's errors."""
    filters = request.GET.copy()
    filters.pop("cursor", None)
    page, filterset = select(user=request.user, filters=filters, cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    context = {"page": page, "filterset": filterset, "next_query": _next_query(request, page.next_cursor), **extra}
    return render(request, template, context, status=200 if filterset.is_valid() else 400)


@login_required
@require_GET
def field_day_list(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VIEW)
    return _list(
        request,
        selectors.field_day_list,
        "gridwork/field_day_list.html",
        may_log=may(request.user, permissions.LOG_FIELD_DAY),
    )


@login_required
@require_http_methods(["GET", "POST"])
def field_day_new(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.LOG_FIELD_DAY)
    form = FieldDayForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            day = services.field_day_log(user=request.user, **form.logging())
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:field_day_detail", pk=day.pk)
    return render(request, "gridwork/field_day_form.html", {"form": form}, status=400 if form.errors else 200)


def _detail(request: HttpRequest, pk: int, *, bound: tuple[int, FileFromForm] | None = None) -> HttpResponse:
    day = selectors.field_day_get(user=request.user, pk=pk)
    may_file = permissions.may_in(request.user, permissions.FILE_FROM, day.region_path)
    rows = []
    for finding in day.findings.all():
        form = None
        if may_file and not finding.petition_id:
            form = bound[1] if bound and bound[0] == finding.pk else FileFromForm(prefix=f"f{finding.pk}")
        rows.append((finding, form))
    status = 400 if bound and bound[1].errors else 200
    return render(request, "gridwork/field_day_detail.html", {"day": day, "rows": rows}, status=status)


@login_required
@require_GET
def field_day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.VIEW)
    return _detail(request, pk)


@login_required
@require_POST
def finding_file(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """One step: the finding becomes a petition (channel grid, the field day's grid)."""
    _require(request, permissions.FILE_FROM)
    finding = selectors.finding_get(user=request.user, day_pk=pk, pk=finding_pk)
    form = FileFromForm(request.POST, prefix=f"f{finding.pk}")
    if form.is_valid():
        try:
            services.finding_file(user=request.user, finding=finding, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:field_day_detail", pk=pk)
    return _detail(request, pk, bound=(finding.pk, form))


# --- Residents' meetings -----------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VIEW)
    return _list(
        request,
        selectors.meeting_list,
        "gridwork/meeting_list.html",
        may_record=may(request.user, permissions.RECORD_MEETING),
    )


def _petition_for_meeting(request: HttpRequest):
    """``?petition=<id>``: the joint meeting is held about this petition (in the user's scope)."""
    raw = request.GET.get("petition") or request.POST.get("petition")
    if not raw:
        return None
    if not str(raw).isdigit() or len(str(raw)) > 18:
        raise Http404
    petition = petition_selectors.petition_queryset(user=request.user).filter(pk=int(raw)).first()
    if petition is None:
        raise Http404
    return petition


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.RECORD_MEETING)
    petition = _petition_for_meeting(request)
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, user=request.user, petition=petition)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(user=request.user, for_petition=petition, **form.recording())
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:meeting_detail", pk=meeting.pk)
    context = {"form": form, "petition": petition}
    return render(request, "gridwork/meeting_form.html", context, status=400 if form.errors else 200)


def _meeting_page(
    request: HttpRequest, pk: int, *, bound=None, wish_bound=None, add_form: ResolutionForm | None = None
) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    may_file = permissions.may_in(request.user, permissions.FILE_FROM, meeting.region_path)
    may_add = permissions.may_in(request.user, permissions.RECORD_MEETING, meeting.region_path)
    rows = []
    for resolution in meeting.resolutions.all():
        form = wish_form = None
        if may_file and not resolution.petition_id:
            form = bound[1] if bound and bound[0] == resolution.pk else FileFromForm(prefix=f"r{resolution.pk}")
        if may_file and not resolution.wish_id and meeting.region.level >= 3:
            wish_form = (
                wish_bound[1]
                if wish_bound and wish_bound[0] == resolution.pk
                else WishFromForm(prefix=f"m{resolution.pk}")
            )
        rows.append((resolution, form, wish_form))
    failed = (
        (bound and bound[1].errors)
        or (wish_bound and wish_bound[1].errors)
        or (add_form is not None and add_form.errors)
    )
    context = {
        "meeting": meeting,
        "rows": rows,
        "add_form": (add_form or ResolutionForm()) if may_add else None,
    }
    return render(request, "gridwork/meeting_detail.html", context, status=400 if failed else 200)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.VIEW)
    return _meeting_page(request, pk)


@login_required
@require_POST
def resolution_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.RECORD_MEETING)
    meeting = selectors.meeting_get(user=request.user, pk=pk, action=permissions.RECORD_MEETING)
    form = ResolutionForm(request.POST)
    if form.is_valid():
        try:
            services.resolution_add(user=request.user, meeting=meeting, text=form.cleaned_data["text"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:meeting_detail", pk=pk)
    return _meeting_page(request, pk, add_form=form)


@login_required
@require_POST
def resolution_file(request: HttpRequest, pk: int, resolution_pk: int) -> HttpResponse:
    """One step: the resolution becomes a petition (channel meeting, the meeting's region)."""
    _require(request, permissions.FILE_FROM)
    resolution = selectors.resolution_get(user=request.user, meeting_pk=pk, pk=resolution_pk)
    form = FileFromForm(request.POST, prefix=f"r{resolution.pk}")
    if form.is_valid():
        try:
            services.resolution_file(user=request.user, resolution=resolution, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:meeting_detail", pk=pk)
    return _meeting_page(request, pk, bound=(resolution.pk, form))


@login_required
@require_POST
def resolution_wish(request: HttpRequest, pk: int, resolution_pk: int) -> HttpResponse:
    """One step: the resolution becomes a micro-wish of the meeting's community."""
    _require(request, permissions.FILE_FROM)
    resolution = selectors.resolution_get(user=request.user, meeting_pk=pk, pk=resolution_pk)
    form = WishFromForm(request.POST, prefix=f"m{resolution.pk}")
    if form.is_valid():
        try:
            services.resolution_wish(user=request.user, resolution=resolution, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:meeting_detail", pk=pk)
    return _meeting_page(request, pk, wish_bound=(resolution.pk, form))


# --- The public service catalogue (最多跑一次) ------------------------------------------------------------


@require_GET
def service_catalogue(request: HttpRequest) -> HttpResponse:
    """Every community service centre, for anyone, without signing in."""
    return render(request, "gridwork/service_catalogue.html", {"centres": selectors.centres_public()})


@require_GET
def service_centre(request: HttpRequest, pk: int) -> HttpResponse:
    """One centre's opening hours and its service items, searchable, for anyone."""
    centre, hours, items = selectors.centre_public(pk=pk, filters=request.GET)
    context = {"centre": centre, "hours": hours, "items": items}
    return render(request, "gridwork/service_centre.html", context, status=200 if items.is_valid() else 400)


# --- First-ask reception (首问接待) ------------------------------------------------------------------------


@login_required
@require_GET
def reception_list(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VIEW)
    return _list(
        request,
        selectors.reception_list,
        "gridwork/reception_list.html",
        may_record=may(request.user, permissions.RECORD_RECEPTION),
    )


@login_required
@require_http_methods(["GET", "POST"])
def reception_new(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.RECORD_RECEPTION)
    form = ReceptionForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            reception = services.reception_record(user=request.user, **form.recording())
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:reception_detail", pk=reception.pk)
    return render(request, "gridwork/reception_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def reception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.VIEW)
    reception = selectors.reception_get(user=request.user, pk=pk)
    context = {
        "reception": reception,
        "may_reveal": permissions.may_in(request.user, permissions.REVEAL_RECEPTION, reception.region_path),
    }
    return render(request, "gridwork/reception_detail.html", context)


@login_required
@require_POST
def reception_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the resident's name and phone unmasked, once, and log the reveal."""
    _require(request, permissions.REVEAL_RECEPTION)
    reception = selectors.reception_get(user=request.user, pk=pk, action=permissions.REVEAL_RECEPTION)
    revealed = services.reception_reveal(
        user=request.user, reception=reception, ip_address=request.META.get("REMOTE_ADDR")
    )
    context = {"reception": reception, "revealed": revealed, "may_reveal": False}
    return render(request, "gridwork/reception_detail.html", context)


# --- Household register and visits ---------------------------------------------------------------------


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VIEW)
    filters = request.GET.copy()
    filters.pop("cursor", None)
    page, filterset, rate = selectors.household_list(
        user=request.user, filters=filters, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    context = {
        "page": page,
        "filterset": filterset,
        "rate": rate,
        "next_query": _next_query(request, page.next_cursor),
        "may_import": may(request.user, permissions.IMPORT_HOUSEHOLDS),
    }
    return render(request, "gridwork/household_list.html", context, status=200 if filterset.is_valid() else 400)


@login_required
@require_http_methods(["GET", "POST"])
def household_import(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.IMPORT_HOUSEHOLDS)
    bound = request.method == "POST"
    form = HouseholdImportForm(request.POST if bound else None, request.FILES if bound else None, user=request.user)
    result = None
    if bound and form.is_valid():
        try:
            result = services.household_import(
                user=request.user, compound=form.cleaned_data["compound"], text=form.cleaned_data["file"]
            )
        except DomainError as exc:
            form_error(form, exc)
    status = 400 if form.errors else 200
    return render(request, "gridwork/household_import.html", {"form": form, "result": result}, status=status)


def _household_page(
    request: HttpRequest,
    pk: int,
    form: VisitForm | None = None,
    *,
    bound: tuple[int, str, object] | None = None,
    revealed: dict | None = None,
) -> HttpResponse:
    """The household and its visits; a visit that needs a follow-up offers it as a petition or a
    micro-wish in one step (``bound``: the visit, which form and the form with its errors)."""
    household = selectors.household_get(user=request.user, pk=pk)
    may_visit = permissions.may_in(request.user, permissions.RECORD_VISIT, household.region_path)
    rows = []
    for visit in household.visits.all():
        file_form = wish_form = None
        if may_visit and visit.follow_up:
            mine = bound[2] if bound and bound[0] == visit.pk else None
            if not visit.petition_id:
                file_form = mine if mine and bound[1] == "file" else FileFromForm(prefix=f"v{visit.pk}")
            if not visit.wish_id:
                wish_form = (
                    mine if mine and bound[1] == "wish" else WishFromForm(prefix=f"w{visit.pk}", resident_optional=True)
                )
        rows.append((visit, file_form, wish_form))
    context = {
        "household": household,
        "rows": rows,
        "form": (form or VisitForm()) if may_visit else None,
        "revealed": revealed,
        "may_edit": permissions.may_in(request.user, permissions.EDIT_HOUSEHOLD, household.region_path),
        "may_reveal": revealed is None
        and bool(household.head_name or household.phone)
        and permissions.may_in(request.user, permissions.REVEAL_HOUSEHOLD, household.region_path),
    }
    failed = (form and form.errors) or (bound and bound[2].errors)
    return render(request, "gridwork/household_detail.html", context, status=400 if failed else 200)


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.VIEW)
    return _household_page(request, pk)


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a household of the register (address, members, grid; name and phone without showing them)."""
    _require(request, permissions.EDIT_HOUSEHOLD)
    household = selectors.household_get(user=request.user, pk=pk, action=permissions.EDIT_HOUSEHOLD)
    form = HouseholdForm(request.POST if request.method == "POST" else None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(user=request.user, household=household, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:household_detail", pk=pk)
    context = {"household": household, "form": form}
    return render(request, "gridwork/household_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def household_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the head of household's name and phone unmasked, once, and log the reveal."""
    _require(request, permissions.REVEAL_HOUSEHOLD)
    household = selectors.household_get(user=request.user, pk=pk, action=permissions.REVEAL_HOUSEHOLD)
    revealed = services.household_reveal(
        user=request.user, household=household, ip_address=request.META.get("REMOTE_ADDR")
    )
    return _household_page(request, pk, revealed=revealed)


@login_required
@require_POST
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.RECORD_VISIT)
    household = selectors.household_get(user=request.user, pk=pk, action=permissions.RECORD_VISIT)
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            services.visit_record(user=request.user, household=household, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:household_detail", pk=pk)
    return _household_page(request, pk, form)


@login_required
@require_POST
def visit_file(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    """One step: the visit's follow-up becomes a petition (channel grid, the household's grid)."""
    _require(request, permissions.RECORD_VISIT)
    visit = selectors.visit_get(user=request.user, household_pk=pk, pk=visit_pk)
    form = FileFromForm(request.POST, prefix=f"v{visit.pk}")
    if form.is_valid():
        try:
            services.visit_file(user=request.user, visit=visit, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:household_detail", pk=pk)
    return _household_page(request, pk, bound=(visit.pk, "file", form))


@login_required
@require_POST
def visit_wish(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    """One step: the visit's follow-up becomes a micro-wish waiting for the community's verification."""
    _require(request, permissions.RECORD_VISIT)
    visit = selectors.visit_get(user=request.user, household_pk=pk, pk=visit_pk)
    form = WishFromForm(request.POST, prefix=f"w{visit.pk}", resident_optional=True)
    if form.is_valid():
        try:
            services.visit_wish(user=request.user, visit=visit, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:household_detail", pk=pk)
    return _household_page(request, pk, bound=(visit.pk, "wish", form))


# --- Self-governance stations ------------------------------------------------------------------------------


@login_required
@require_GET
def station_list(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VIEW)
    page = selectors.station_list(user=request.user, cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    rows = [(station, selectors.participation_rate(station)) for station in page.items]
    context = {"page": page, "rows": rows, "next_query": _next_query(request, page.next_cursor)}
    return render(request, "gridwork/station_list.html", context)


def _station_page(
    request: HttpRequest,
    pk: int,
    form: StationActivityForm | None = None,
    *,
    revealed: dict | None = None,
    member_form: StationMemberForm | None = None,
) -> HttpResponse:
    station = selectors.station_get(user=request.user, pk=pk)
    may_record = permissions.may_in(request.user, permissions.RECORD_STATION, station.region_path)
    members = [(member, (revealed or {}).get(member.pk)) for member in station.members.all()]
    may_edit = permissions.may_in(request.user, permissions.EDIT_STATION, station.region_path)
    context = {
        "station": station,
        "members": members,
        "rate": selectors.participation_rate(station),
        "form": (form or StationActivityForm()) if may_record else None,
        "may_reveal": revealed is None
        and bool(members)
        and permissions.may_in(request.user, permissions.REVEAL_STATION, station.region_path),
        "may_edit": may_edit,
        "member_form": (member_form or StationMemberForm(prefix="member")) if may_edit else None,
    }
    failed = (form and form.errors) or (member_form and member_form.errors)
    return render(request, "gridwork/station_detail.html", context, status=400 if failed else 200)


@login_required
@require_POST
def station_member_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.EDIT_STATION)
    station = selectors.station_get(user=request.user, pk=pk, action=permissions.EDIT_STATION)
    form = StationMemberForm(request.POST, prefix="member")
    if form.is_valid():
        try:
            services.station_member_save(user=request.user, station=station, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:station_detail", pk=pk)
    return _station_page(request, pk, member_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def station_member_edit(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    _require(request, permissions.EDIT_STATION)
    member = selectors.station_member_get(user=request.user, station_pk=pk, pk=member_pk)
    form = StationMemberForm(request.POST if request.method == "POST" else None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.station_member_save(user=request.user, station=member.station, member=member, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:station_detail", pk=pk)
    context = {"member": member, "station": member.station, "form": form, "confirm": StationMemberRemoveForm()}
    return render(request, "gridwork/station_member_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def station_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    _require(request, permissions.EDIT_STATION)
    member = selectors.station_member_get(user=request.user, station_pk=pk, pk=member_pk)
    confirm = StationMemberRemoveForm(request.POST)
    if confirm.is_valid():
        services.station_member_remove(user=request.user, member=member)
        return redirect("gridwork:station_detail", pk=pk)
    context = {
        "member": member,
        "station": member.station,
        "form": StationMemberForm(member=member),
        "confirm": confirm,
    }
    return render(request, "gridwork/station_member_form.html", context, status=400)


@login_required
@require_POST
def station_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the station members' names unmasked, once, and log one reveal per member."""
    _require(request, permissions.REVEAL_STATION)
    station = selectors.station_get(user=request.user, pk=pk, action=permissions.REVEAL_STATION)
    revealed = services.station_members_reveal(
        user=request.user, station=station, ip_address=request.META.get("REMOTE_ADDR")
    )
    return _station_page(request, pk, revealed=revealed)


@login_required
@require_GET
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.VIEW)
    return _station_page(request, pk)


@login_required
@require_POST
def station_activity_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, permissions.RECORD_STATION)
    station = selectors.station_get(user=request.user, pk=pk, action=permissions.RECORD_STATION)
    form = StationActivityForm(request.POST)
    if form.is_valid():
        try:
            services.station_activity_record(user=request.user, station=station, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("gridwork:station_detail", pk=pk)
    return _station_page(request, pk, form)


@login_required
@require_http_methods(["GET", "POST"])
def station_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A station member files a petition for the station (channel self-governance)."""
    station = selectors.station_of_member(user=request.user, pk=pk)
    form = StationFileForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            petition = services.station_file(user=request.user, station=station, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return render(request, "gridwork/station_filed.html", {"station": station, "petition": petition})
    context = {"station": station, "form": form}
    return render(request, "gridwork/station_file.html", context, status=400 if form.errors else 200)


# --- The grid dashboard ---------------------------------------------------------------------------------


def _dashboard_chart(rows: list, start, end) -> str:
    """Field-day compliance and visit rate by child region, drawn by the registered chart drawer."""
    if not rows:
        return ""
    labels = [child.name for child, _figures in rows]
    series = [
        [figures.compliance if figures else None for _child, figures in rows],
        [figures.visit_rate if figures else None for _child, figures in rows],
    ]
    title = _("Field-day compliance and visit rate by region, %(start)s – %(end)s") % {
        "start": f"{start:%Y-%m-%d}",
        "end": f"{end:%Y-%m-%d}",
    }
    return extensions.chart(labels, series, [_("Field-day compliance"), _("Visit rate")], title=title, percent=True)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Grid work's figures for a region in scope over a period, and the same for each of its children
    (drill-down district → street → community → compound → grid): two statements."""
    _require(request, permissions.VIEW)
    form = DashboardForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "gridwork/dashboard.html", {"form": form}, status=400)
    today = timezone.localdate()
    region = form.cleaned_data["region"] or form.fields["region"].queryset.first()
    if region is None:
        raise Http404
    start = form.cleaned_data["start"] or today.replace(month=1, day=1)
    end = form.cleaned_data["end"] or today
    totals = selectors.grid_figures(region=region, start=start, end=end)
    by_child = selectors.grid_figures_by_child(region=region, start=start, end=end)
    children = list(region.children.order_by("path"))
    rows = [(child, by_child.get(child.path)) for child in children]
    # By grid leader from the community down (a street's or district's leaders are hundreds).
    leaders = selectors.leader_compliance(region=region, start=start, end=end) if region.level >= 3 else []
    context = {
        "form": form,
        "region": region,
        "start": start,
        "end": end,
        "totals": totals,
        "chart": _dashboard_chart(rows, start, end),
        "petitions": extensions.petition_figures(user=request.user, region=region, start=start, end=end),
        "rows": rows,
        "own": by_child.get("self"),
        "leaders": leaders,
        "parent": region.parent
        if region.parent and permissions.may_in(request.user, permissions.VIEW, region.parent.path)
        else None,
    }
    return render(request, "gridwork/dashboard.html", context)
