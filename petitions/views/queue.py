"""The staff triage queue: filters, keyset pages, claiming and bulk actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core import versions
from core.filters import active_filters
from grids.permissions import assignments, may
from grids.selectors import unit_list
from petitions import permissions, selectors, services
from petitions.filters import PetitionFilter
from petitions.forms import BulkForm

PAGE_SIZE = 25


def require_viewer(user) -> None:
    """Only staff who may see some petitions reach the queue; everyone else gets a 404."""
    if permissions.scope_condition(user, permissions.VIEW) is None:
        raise Http404


_NOT_OPEN_ONLY = ("open", "status", "outcome", "q")


def queue_filters(request: HttpRequest) -> QueryDict:
    """The query without the cursor. Unless the query asks for statuses, an outcome (answered items
    only) or a tracking code, the queue shows open items (“any” in the open filter shows everything)."""
    filters = request.GET.copy()
    filters.pop("cursor", None)
    if not any(filters.get(name) for name in _NOT_OPEN_ONLY):
        filters["open"] = "true"
    return filters


def filter_chips(filterset, filters: QueryDict) -> list[dict]:
    """The filters in force as removable chips: each with the query that drops it (dropping the last
    of the filters that widen the list past open items keeps it wide: ``open=any``)."""
    chips = []
    for active in active_filters(filterset, hidden=("sort",)):
        rest = filters.copy()
        rest.pop(active.name, None)
        if active.name in _NOT_OPEN_ONLY and not any(rest.get(name) for name in _NOT_OPEN_ONLY):
            rest["open"] = "any"
        chips.append({"label": active.label, "value": active.value, "remove": rest.urlencode()})
    return chips


def queue_rows(items, user) -> list[dict]:
    """What each row shows besides the item itself: its masked resident, its nearest deadline, and
    whether this user may claim it here."""
    now = timezone.now()
    can_triage = may(user, permissions.TRIAGE)
    return [
        {
            "petition": petition,
            "person": None if petition.anonymous else selectors.masked_personal_data(petition),
            "nearest": selectors.nearest_deadline(petition, now=now),
            "claimable": can_triage
            and petition.status == "new"
            and petition.claimed_by_id is None
            and permissions.may_act(user, petition, permissions.TRIAGE),
        }
        for petition in items
    ]


def render_queue(request: HttpRequest, *, bulk_form: BulkForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    filters = queue_filters(request)
    page, filterset = selectors.petition_list(
        user=user, filters=filters, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    next_query = ""
    if page.next_cursor:
        params = filters.copy()
        params["cursor"] = page.next_cursor
        next_query = params.urlencode()
    can_bulk = may(user, permissions.TRIAGE)
    query = filters.urlencode()
    context = {
        "queue_url": reverse("petitions:queue"),
        "page": page,
        "rows": queue_rows(page.items, user),
        "next_query": next_query,
        "can_bulk": can_bulk,
        "query": query,
        "selected": set(bulk_form.cleaned_data.get("ids") or []) if bulk_form and bulk_form.is_bound else set(),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "petitions/_queue_rows.html", context, status=status)
    # The filter and bulk forms depend only on the query, the user's scope, the language and the
    # choice lists: the page keeps them drawn in the cache, under the choice lists' version.
    context.update(
        filter_form=filterset.drawn_form(),
        filter_errors=not filterset.is_valid(),
        chips=filter_chips(filterset, filters),
        # A callable: the template calls it only when the cached bulk fields must be drawn again.
        bulk_form=bulk_form or (can_bulk and (lambda: blank_bulk_form(user))),
        bulk_sent_back=bulk_form is not None,
        forms_version=versions.current(versions.CHOICES),
        scope=scope_key(user),
        is_first_page=not request.GET.get("cursor"),
    )
    return render(request, "petitions/queue.html", context, status=status)


def blank_bulk_form(user) -> BulkForm:
    return BulkForm(units=unit_list(user=user), initial={"operation": "route"})


def scope_key(user) -> str:
    """What the forms' choices depend on besides the data: the user's role assignments."""
    return ";".join(f"{a.role}:{a.region_id}:{a.unit_id}" for a in assignments(user))


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
    filterset = PetitionFilter(queue_filters(request), queryset=scoped, user=user)
    petition = services.petition_claim_next(user=user, queryset=filterset.qs if filterset.is_valid() else scoped)
    if petition is None:
        messages.info(request, _("Nothing is waiting to be claimed."))
        return _back_to_queue(request)
    messages.success(request, _("You are now working on %(code)s.") % {"code": petition.tracking_code})
    return redirect("petitions:detail", pk=petition.pk)


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
    data = form.cleaned_data
    found = {p.pk: p for p in selectors.petition_queryset(user=user).filter(pk__in=data["ids"])}
    done, failures = services.petition_bulk(
        user=user,
        petitions=found,
        ids=data["ids"],
        route=data["operation"] == BulkForm.ROUTE,
        klass=data.get("klass") or "",
        unit=data.get("unit"),
        reply=data.get("reply") or "",
    )
    if done:
        messages.success(request, ngettext("%(count)d item done.", "%(count)d items done.", done) % {"count": done})
    for failure in failures:
        messages.error(request, failure)
    return _back_to_queue(request)
