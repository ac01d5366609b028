"""Export pages: choose and check what to export, stream it or follow a background job, download."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from exports import formats, permissions, selectors, services
from exports.forms import ChoiceForm, GridWorkForm, LedgerForm, SatisfactionForm, parse_params, query_data
from exports.models import ExportJob, Kind, Status


def _require_exporter(user) -> None:
    """Only people who may export reach these pages; everyone else gets a 404."""
    if not permissions.may_export(user):
        raise Http404


def _get_job(request: HttpRequest, pk) -> ExportJob:
    _require_exporter(request.user)
    try:
        return selectors.job_get(user=request.user, pk=pk)
    except ExportJob.DoesNotExist:
        raise Http404 from None


def _attachment(response: HttpResponse, job: ExportJob) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, job.download_name)
    response["Cache-Control"] = "private, no-store"
    return response


def _started_response(started: services.Started) -> HttpResponse:
    job = started.job
    content_type = formats.CONTENT_TYPES[job.format]
    if started.stream is not None:
        return _attachment(StreamingHttpResponse(started.stream, content_type=content_type), job)
    if started.file is not None:
        return _attachment(FileResponse(started.file, content_type=content_type), job)
    return redirect("exports:detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """GET: what will be exported (filters in words, rows) and the format; POST: export it."""
    user = request.user
    _require_exporter(user)
    kind = request.GET.get("kind", "")
    data = query_data(request.GET)
    context: dict = {"kind": kind, "kinds": Kind, "limit": settings.EXPORT_STREAM_MAX_ROWS}
    context["may_ledger"] = permissions.may_export_ledger(user)
    context["may_reports"] = permissions.may_export_reports(user)
    if not kind or (kind in (Kind.SATISFACTION, Kind.LEDGER, Kind.GRIDWORK) and not data):
        # Nothing chosen yet: the choice of kinds, or the kind's form (the satisfaction report with
        # last month filled in; a fund for the ledger).
        if kind == Kind.SATISFACTION:
            context["satisfaction_form"] = SatisfactionForm(user=user)
        elif kind == Kind.GRIDWORK:
            context["satisfaction_form"] = GridWorkForm(user=user)
        elif kind == Kind.LEDGER:
            context["ledger_form"] = LedgerForm(user=user)
        context["kind_label"] = Kind(kind).label if kind else None
        return render(request, "exports/new.html", context)
    params = parse_params(user=user, kind=kind, data=data)
    context.update(params=params, errors=params.errors)
    context["ledger_form" if kind == Kind.LEDGER else "satisfaction_form"] = params.form
    if kind in Kind.values:
        context["kind_label"] = Kind(kind).label
    if not params.is_valid:
        return render(request, "exports/new.html", context, status=400)
    spec = selectors.export_spec(user=user, params=params)
    may_reveal = permissions.may_reveal_all(user, selectors.export_roots(user=user, params=params))
    choice = ChoiceForm(request.POST or None, may_reveal=may_reveal)
    if request.method == "POST" and choice.is_valid():
        try:
            started = services.export_start(
                user=user,
                params=params,
                format=choice.cleaned_data["format"],
                reveal=choice.cleaned_data.get("reveal", False),
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except DomainError as error:
            choice.add_error(error.field if error.field in choice.fields else None, error.message)
        else:
            return _started_response(started)
    estimate = selectors.export_count(spec, limit=settings.EXPORT_STREAM_MAX_ROWS + 1)
    context.update(
        spec=spec,
        choice_form=choice,
        estimate=estimate,
        streams=estimate <= settings.EXPORT_STREAM_MAX_ROWS,
        query=request.GET.urlencode(),
        queue_query=request.GET.copy(),
    )
    context["queue_query"].pop("kind", None)
    context["queue_query"] = context["queue_query"].urlencode()
    return render(request, "exports/new.html", context, status=400 if choice.errors else 200)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    """The user's own exports, newest first."""
    _require_exporter(request.user)
    jobs, next_cursor = selectors.job_list(user=request.user, cursor=request.GET.get("cursor"))
    return render(request, "exports/list.html", {"jobs": jobs, "next_cursor": next_cursor, "now": timezone.now()})


@login_required
@require_GET
def detail(request: HttpRequest, pk) -> HttpResponse:
    job = _get_job(request, pk)
    return render(request, "exports/detail.html", {"job": job, "now": timezone.now()})


@never_cache
@login_required
@require_GET
def progress(request: HttpRequest, pk) -> HttpResponse:
    """The progress bar alone, polled by htmx every second until the job ends (rendered without the
    page's context processors: a poll costs the session, the user, their roles and the job)."""
    job = _get_job(request, pk)
    return HttpResponse(render_to_string("exports/_progress.html", {"job": job, "now": timezone.now()}))


@login_required
@require_GET
def download(request: HttpRequest, pk) -> HttpResponse:
    """The finished file, for its owner only, until it expires (410 afterwards)."""
    job = _get_job(request, pk)
    if job.is_downloadable():
        try:
            handle = open(services.export_file(job), "rb")  # noqa: SIM115 (the response closes it)
        except FileNotFoundError:
            pass
        else:
            return _attachment(FileResponse(handle, content_type=formats.CONTENT_TYPES[job.format]), job)
        return render(request, "exports/gone.html", {"job": job}, status=410)
    if job.streamed or job.status in (Status.DONE, Status.EXPIRED):
        return render(request, "exports/gone.html", {"job": job}, status=410)
    raise Http404
