"""Pages of grid work: thin — parse, read through the scoped selector, call the service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from grids.permissions import may
from gridwork import permissions, selectors, services
from gridwork.forms import FieldDayForm, FileFromForm

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


@login_required
@require_GET
def field_day_list(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VIEW)
    filters = request.GET.copy()
    filters.pop("cursor", None)
    page, filterset = selectors.field_day_list(
        user=request.user, filters=filters, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    context = {
        "page": page,
        "filterset": filterset,
        "next_query": _next_query(request, page.next_cursor),
        "may_log": may(request.user, permissions.LOG_FIELD_DAY),
    }
    return render(request, "gridwork/field_day_list.html", context)


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
