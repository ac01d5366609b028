"""The wish wall (public) and the staff's wish desk: thin views over ``services`` and ``selectors``."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.masking import mask_name, mask_phone
from core.pagination import keyset_page
from grids.models import Region
from grids.permissions import may, region_paths, scope_by_region, within
from volunteers import permissions, selectors, services
from volunteers.forms import ClaimForm, FulfilForm, WishForm
from volunteers.models import Wish, WishStatus
from volunteers.views import form_error


@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    """The public wish wall: pseudonym and community only."""
    page = keyset_page(selectors.wish_wall(), cursor=request.GET.get("cursor"), size=24)
    return render(request, "volunteers/wish_wall.html", {"page": page})


def _public_wish(code: str) -> Wish:
    try:
        return selectors.wish_public_get(code=code[:12])
    except Wish.DoesNotExist:
        raise Http404 from None


def _claim_form(request: HttpRequest, data=None) -> ClaimForm:
    volunteer = selectors.volunteer_of(request.user)
    initial = {"kind": Wish.Claimant.VOLUNTEER, "label": volunteer.number} if volunteer else {}
    return ClaimForm(data, initial=initial)


@require_GET
def wish(request: HttpRequest, code: str) -> HttpResponse:
    found = _public_wish(code)
    context = {"wish": found, "claim_form": _claim_form(request), "fulfil_form": FulfilForm()}
    return render(request, "volunteers/wish.html", context)


@login_required
@require_POST
def claim(request: HttpRequest, code: str) -> HttpResponse:
    """Claim a wish on the wall. Of two racing claims one wins; the other is answered 409."""
    found = _public_wish(code)
    form = _claim_form(request, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.wish_claim(
                user=request.user, wish=found, kind=form.cleaned_data["kind"], label=form.cleaned_data["label"]
            )
        except DomainError as exc:
            form_error(form, exc)
            status = 409 if exc.field == "claimed" else 400
        else:
            messages.success(request, _("The wish is yours. Thank you! Mark it fulfilled once it is done."))
            return redirect("volunteers:wish", code=found.code)
    found.refresh_from_db()
    context = {"wish": found, "claim_form": form, "fulfil_form": FulfilForm()}
    return render(request, "volunteers/wish.html", context, status=status)


@login_required
@require_POST
def fulfil(request: HttpRequest, code: str) -> HttpResponse:
    found = _public_wish(code)
    if found.claimed_by_id != request.user.pk:
        raise Http404
    form = FulfilForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.wish_fulfil(
                user=request.user, wish=found, proof=form.cleaned_data["proof"], photo=form.cleaned_data["photo"]
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Thank you! The community will confirm with the resident."))
            return redirect("volunteers:wish", code=found.code)
    context = {"wish": found, "claim_form": _claim_form(request), "fulfil_form": form}
    return render(request, "volunteers/wish.html", context, status=400)


# --- Staff ---------------------------------------------------------------------------------------------


def _require(request: HttpRequest, action: str) -> None:
    if not may(request.user, action):
        raise Http404


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.WISH_COLLECT)
    page = keyset_page(selectors.wish_list(user=request.user), cursor=request.GET.get("cursor"))
    rows = [{"wish": w, "name": mask_name(w.resident_name)} for w in page.items]
    return render(request, "volunteers/wish_desk.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def wish_new(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.WISH_COLLECT)
    regions = scope_by_region(
        Region.objects.filter(level__gte=3), user=request.user, action=permissions.WISH_COLLECT, path_lookup="path"
    ).order_by("path")
    form = WishForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        created = services.wish_submit(user=request.user, **form.cleaned_data)
        messages.success(request, _("The wish is recorded and waits for the community's verification."))
        return redirect("volunteers:wish_manage", code=created.code)
    return render(request, "volunteers/wish_new.html", {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def wish_manage(request: HttpRequest, code: str) -> HttpResponse:
    """One wish for staff: the resident masked; verification and confirmation for community staff."""
    _require(request, permissions.WISH_COLLECT)
    try:
        found = selectors.wish_get(user=request.user, code=code[:12])
    except Wish.DoesNotExist:
        raise Http404 from None
    may_verify = within(found.region_path, region_paths(request.user, permissions.WISH_VERIFY))
    error, status = "", 200
    if request.method == "POST":
        if not may_verify:
            raise Http404
        step = request.POST.get("step", "")
        try:
            if step in ("publish", "reject"):
                services.wish_verify(user=request.user, wish=found, accept=step == "publish")
            elif step == "confirm":
                services.wish_confirm(user=request.user, wish=found)
            else:
                raise DomainError(_("Choose what to do with the wish."))
        except DomainError as exc:
            error, status = exc.message, 400
        else:
            return redirect("volunteers:wish_manage", code=found.code)
    context = {
        "wish": found,
        "resident": {"name": mask_name(found.resident_name), "phone": mask_phone(found.resident_phone)},
        "may_verify": may_verify,
        "error": error,
        "statuses": WishStatus,
        "opportunities": list(selectors.opportunities_of_wish(user=request.user, wish=found)),
        "may_publish": found.status in (WishStatus.PUBLISHED, WishStatus.CLAIMED)
        and may(request.user, permissions.PUBLISH),
    }
    return render(request, "volunteers/wish_manage.html", context, status=status)


@login_required
@require_GET
def wish_photo(request: HttpRequest, code: str) -> HttpResponse:
    """The photo of a fulfilled wish (``?size=thumb``: its thumbnail), to the staff of its region."""
    _require(request, permissions.WISH_COLLECT)
    try:
        found = selectors.wish_get(user=request.user, code=code[:12])
    except Wish.DoesNotExist:
        raise Http404 from None
    stored = found.proof_thumbnail if request.GET.get("size") == "thumb" else found.proof_photo
    if not stored:
        raise Http404
    content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    return FileResponse(
        stored.open("rb"), content_type=content_type, headers={"Cache-Control": "private, max-age=3600"}
    )
