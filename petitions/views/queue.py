"""The staff triage queue: filters, keyset pages, claiming and bulk actions."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import NullBooleanSelect
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from grids.models import Region
from grids.permissions import may, region_condition, region_paths
from grids.selectors import unit_list
from petitions import permissions, reply_templates, selectors, services
from petitions.filters import PetitionFilter
from petitions.forms import BulkForm
from petitions.models import Status

DUE_SOON = dt.timedelta(days=1)
PAGE_SIZE = 25
# The region filter offers the nodes down to communities; deeper nodes still work from a link.
REGION_FILTER_MAX_LEVEL = 3


def require_viewer(user) -> None:
    """Only staff who may see some petitions reach the queue; everyone else gets a 404."""
    if permissions.scope_condition(user, permissions.VIEW) is None:
        raise Http404


def queue_filters(request: HttpRequest) -> QueryDict:
    """The query without the cursor. Unless the query asks for statuses or a tracking code, the
    queue shows open items (“any” in the open filter shows everything)."""
    filters = request.GET.copy()
    filters.pop("cursor", None)
    if not any(filters.get(name) for name in ("open", "status", "q")):
        filters["open"] = "true"
    return filters


def decorate_rows(items: list, user) -> None:
    """Masked personal data, the nearest running deadline and its badge, and whether to offer claim."""
    now = timezone.now()
    can_triage = may(user, permissions.TRIAGE)
    for petition in items:
        petition.masked = selectors.masked_personal_data(petition)
        running = sorted(petition.running_deadlines, key=lambda d: d.due_at)
        ticking = [d for d in running if d.paused_at is None]
        nearest = ticking[0] if ticking else (running[0] if running else None)
        petition.nearest_deadline = nearest
        if nearest is None:
            petition.deadline_state = ""
        elif nearest.paused_at is not None:
            petition.deadline_state = "paused"
        elif nearest.due_at <= now:
            petition.deadline_state = "overdue"
        elif nearest.due_at <= now + DUE_SOON:
            petition.deadline_state = "due_soon"
        else:
            petition.deadline_state = ""
        petition.can_claim = (
            can_triage
            and petition.status == Status.NEW
            and petition.claimed_by_id is None
            and permissions.may_act(user, petition, permissions.TRIAGE)
        )


def _style_filter_form(form, user, units: list) -> None:
    """Bootstrap classes and in-scope choices for the shared FilterSet's form (rendering only)."""
    condition = region_condition(region_paths(user, permissions.VIEW), "path") & Q(level__lte=REGION_FILTER_MAX_LEVEL)
    selected = str(form.data.get("region") or "")
    if selected.isdigit():
        condition |= Q(pk=int(selected))
    region_field = form.fields["region"]
    region_field.queryset = Region.objects.filter(condition).order_by("path")
    region_field.label_from_instance = lambda r: "\u3000" * max(0, r.level - 1) + r.name
    form.fields["unit"].widget.choices = [("", "---------"), *((u.pk, u.name) for u in units)]
    for name, field in form.fields.items():
        if isinstance(field.widget, NullBooleanSelect):
            field.widget.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        css = "form-select form-select-sm" if hasattr(field.widget, "choices") else "form-control form-control-sm"
        if name == "status":
            field.widget.attrs["size"] = 4
        field.widget.attrs["class"] = css


def render_queue(request: HttpRequest, *, bulk_form: BulkForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    filters = queue_filters(request)
    page, filterset = selectors.petition_list(
        user=user, filters=filters, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    decorate_rows(page.items, user)
    next_query = ""
    if page.next_cursor:
        params = filters.copy()
        params["cursor"] = page.next_cursor
        next_query = params.urlencode()
    can_bulk = may(user, permissions.TRIAGE)
    context = {
        "page": page,
        "rows": page.items,
        "next_query": next_query,
        "can_bulk": can_bulk,
        "selected": set(bulk_form.cleaned_data.get("ids") or []) if bulk_form and bulk_form.is_bound else set(),
        "query": filters.urlencode(),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "petitions/_queue_rows.html", context, status=status)
    units = list(unit_list(user=user))
    _style_filter_form(filterset.form, user, units)
    if can_bulk and bulk_form is None:
        bulk_form = BulkForm(units=unit_list(user=user), initial={"operation": BulkForm.ROUTE})
    if bulk_form is not None:
        bulk_form.fields["unit"].widget.choices = [("", _("— choose a unit —")), *((u.pk, u.name) for u in units)]
    context.update(
        filter_form=filterset.form,
        filter_errors=not filterset.is_valid(),
        bulk_form=bulk_form,
        reply_templates=reply_templates.REPLY_TEMPLATES,
        is_first_page=not request.GET.get("cursor"),
    )
    return render(request, "petitions/queue.html", context, status=status)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    require_viewer(request.user)
    return render_queue(request)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    query = request.GET.urlencode()
    return redirect(reverse("petitions:queue") + (f"?{query}" if query else ""))


@login_required
@require_POST
def claim_next(request: HttpRequest) -> HttpResponse:
    """Claim the oldest unclaimed item of the (filtered) queue; rows others hold are skipped."""
    user = request.user
    require_viewer(user)
    if not may(user, permissions.TRIAGE):
        raise PermissionDenied
    scoped = selectors.petition_queryset(user=user, action=permissions.TRIAGE)
    filterset = PetitionFilter(queue_filters(request), queryset=scoped)
    petition = services.petition_claim_next(user=user, queryset=filterset.qs if filterset.is_valid() else scoped)
    if petition is None:
        messages.info(request, _("Nothing is waiting to be claimed."))
        return _back_to_queue(request)
    messages.success(request, _("You are now working on %(code)s.") % {"code": petition.tracking_code})
    return redirect("petitions:detail", pk=petition.pk)


def _bulk_run(user, form: BulkForm) -> tuple[int, list[str]]:
    data = form.cleaned_data
    found = {p.pk: p for p in selectors.petition_queryset(user=user).filter(pk__in=data["ids"])}
    route = data["operation"] == BulkForm.ROUTE
    return services.petition_bulk(
        user=user,
        petitions=found,
        ids=data["ids"],
        route=route,
        klass=data.get("klass") or "",
        unit=data.get("unit"),
        reply=data.get("reply") or "",
    )


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_viewer(user)
    if not may(user, permissions.TRIAGE):
        raise PermissionDenied
    form = BulkForm(request.POST, units=unit_list(user=user))
    if not form.is_valid():
        return render_queue(request, bulk_form=form, status=400)
    done, failures = _bulk_run(user, form)
    if done:
        messages.success(request, ngettext("%(count)d item done.", "%(count)d items done.", done) % {"count": done})
    for failure in failures:
        messages.error(request, failure)
    return _back_to_queue(request)
