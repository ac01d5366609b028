"""Staff intake: a grid leader files a resident's issue from a phone; service-window staff enter
walk-ins and meeting items with their channel. Likely duplicates are shown before saving."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from grids.permissions import may
from petitions import duplicates, permissions, photos
from petitions.forms_intake import DuplicateLookupForm, IntakeForm
from petitions.models import Petition


def _require_file(request: HttpRequest) -> None:
    if not may(request.user, permissions.FILE):
        raise Http404


def form_error(form, exc: DomainError) -> None:
    """Show a refused domain action next to its field, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    _require_file(request)
    form = IntakeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            petition, _token = photos.petition_file_with_photos(**form.filing())
        except DomainError as exc:
            form_error(form, exc)
        else:
            photos.photos_release(form.kept_photos())
            return redirect("petitions:intake_done", pk=petition.pk)
    if form.is_bound:
        form.keep_photos()
    context = {"form": form}
    if form.is_bound:
        context["duplicates"] = _duplicates_for(request, form.data)
    return render(request, "petitions/intake.html", context)


def _duplicates_for(request: HttpRequest, data) -> list[Petition] | None:
    lookup = DuplicateLookupForm(data, user=request.user)
    if not lookup.is_valid():
        return None
    found = lookup.cleaned_data
    text = f"{found['title']} {found['description']}"
    return duplicates.likely_duplicates(
        user=request.user, category=found["category"], region=found["region"], text=text
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_duplicates(request: HttpRequest) -> HttpResponse:
    """The htmx partial: likely duplicates of what is being typed (nothing until category and place)."""
    _require_file(request)
    data = request.POST if request.method == "POST" else request.GET
    return render(request, "petitions/_duplicates.html", {"duplicates": _duplicates_for(request, data)})


@login_required
@require_GET
def intake_done(request: HttpRequest, pk: int) -> HttpResponse:
    _require_file(request)
    scoped = permissions.scope(Petition.objects.all(), request.user, permissions.FILE)
    try:
        petition = scoped.select_related("category", "region", "merged_into").get(pk=pk)
    except Petition.DoesNotExist:
        raise Http404 from None
    return render(request, "petitions/intake_done.html", {"petition": petition})
