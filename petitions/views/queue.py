"""The staff triage queue: filters, keyset pages, claiming and bulk actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import BoundField, NullBooleanSelect
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from grids.models import Region
from grids.permissions import may, region_condition, region_paths
from grids.selectors import unit_list
from petitions import permissions, reply_templates, selectors, services
from petitions.filters import PetitionFilter
from petitions.forms import BulkForm, TemplateSelect
from petitions.models import Deadline, Klass, Status

DUE_SOON = dt.timedelta(days=1)
PAGE_SIZE = 25
# The region filter offers the nodes down to communities; deeper nodes still work from a link.
REGION_FILTER_MAX_LEVEL = 3
# The status badge's colours, as in petitions/_status_badge.html (which other pages include).
STATUS_BADGE = {
    Status.NEW: "text-bg-primary",
    Status.ASSIGNED: "text-bg-info",
    Status.ACCEPTED: "text-bg-warning",
    Status.WAITING: "text-bg-secondary",
    Status.REPLIED: "text-bg-success",
}


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
    """What each row shows, worked out once here rather than in the template: masked personal data,
    the nearest running deadline and its badge, the labels of the row's choices (looked up in maps
    built once per page, not through ``get_*_display`` and ``gettext`` per row), the row's links,
    and whether to offer claim."""
    now = timezone.now()
    can_triage = may(user, permissions.TRIAGE)
    status_labels = {value: str(label) for value, label in Status.choices}
    klass_labels = {value: str(label) for value, label in Klass.choices}
    kind_labels = {value: str(label) for value, label in Deadline.Kind.choices}
    select_label = _("Select %(code)s")  # the checkbox's label, as the template's blocktranslate said it
    for petition in items:
        petition.masked = selectors.masked_personal_data(petition)
        petition.status_label = status_labels.get(petition.status, petition.status)
        petition.status_css = STATUS_BADGE.get(petition.status, "text-bg-light border")
        petition.klass_label = klass_labels.get(petition.klass, petition.klass)
        petition.detail_url = reverse("petitions:detail", args=[petition.pk])
        petition.select_label = select_label % {"code": petition.tracking_code}
        running = sorted(petition.running_deadlines, key=lambda d: d.due_at)
        ticking = [d for d in running if d.paused_at is None]
        nearest = ticking[0] if ticking else (running[0] if running else None)
        petition.nearest_deadline = nearest
        petition.deadline_label = kind_labels.get(nearest.kind, nearest.kind) if nearest else ""
        if nearest is not None:  # as the template filters date:"c" and date:"m-d H:i" wrote it
            due = timezone.localtime(nearest.due_at)
            petition.due_iso, petition.due_short = due.isoformat(), due.strftime("%m-%d %H:%M")
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
        petition.claim_url = reverse("petitions:act", args=[petition.pk, "claim"]) if petition.can_claim else ""


# --- Drawing the filter and bulk forms -----------------------------------------------------------
#
# Django renders every widget, and every <option> of a <select>, through its own templates. With two
# dozen filters and the bulk form that was most of the queue's time (docs/performance.md), so the
# queue draws its fields in one template loop (petitions/_queue_fields.html) from the plain values
# below, with the <option>s joined here by format_html_join. The forms still parse and validate the
# input as before; only the drawing changed.


SELECTED = mark_safe(" selected")  # a constant attribute, nothing to escape


@dataclass(frozen=True)
class FieldView:
    """One form field as the queue's templates draw it."""

    name: str
    id: str
    label: str
    kind: str  # "select", "textarea", or the type of an <input>
    attrs: str  # the widget's other attributes, rendered and escaped by ``flatatt``
    value: str = ""
    options: str = ""  # a <select>'s <option>s, rendered and escaped by ``format_html_join``
    errors: tuple[str, ...] = ()


def _model_choices(field) -> list[tuple]:
    """A model choice field's options from one plain query (its own iterator would open a
    server-side cursor: three more round trips per field), in the iterator's order: django-filter's
    "null" choice, the empty choice, the rows."""
    first = [] if getattr(field, "null_label", None) is None else [(field.null_value, field.null_label)]
    if field.empty_label is not None:
        first.append(("", field.empty_label))
    return first + [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in list(field.queryset)]


def field_view(bound: BoundField, *, choices: list[tuple] | None = None) -> FieldView:
    """The name, id, attributes, value and options Django's widget would render for ``bound``."""
    widget = bound.field.widget
    attrs = bound.build_widget_attrs(widget.attrs)  # class, size, aria-invalid, aria-describedby…
    common = {
        "name": bound.html_name,
        "id": bound.auto_id,
        "label": str(bound.label),
        "errors": tuple(str(error) for error in bound.errors),
    }
    shown = widget.format_value(bound.value())
    if isinstance(widget, forms.Select):
        # As ChoiceWidget.optgroups: format_value gives the selected values as strings.
        selected = {shown} if isinstance(shown, str) else set(shown)
        if choices is None:
            choices = _model_choices(bound.field) if isinstance(widget.choices, ModelChoiceIterator) else widget.choices
        with_text = isinstance(widget, TemplateSelect)  # reply templates carry their text for the script
        options = []
        for value, label in choices:
            value = str(value)
            template = reply_templates.reply_template(value) if with_text else None
            data_text = format_html(' data-text="{}"', template.text) if template else ""
            options.append((value, data_text, SELECTED if value in selected else "", label))
        if widget.allow_multiple_selected:
            attrs["multiple"] = True
        html = format_html_join("\n", '<option value="{}"{}{}>{}</option>', options)
        return FieldView(kind="select", attrs=flatatt(attrs), options=html, **common)
    kind = "textarea" if isinstance(widget, forms.Textarea) else widget.input_type
    return FieldView(kind=kind, attrs=flatatt(attrs), value="" if shown is None else str(shown), **common)


def filter_fields(form, user, units: list) -> list[FieldView]:
    """The shared FilterSet's fields with Bootstrap classes and in-scope choices (rendering only:
    the form has already validated the query)."""
    condition = region_condition(region_paths(user, permissions.VIEW), "path") & Q(level__lte=REGION_FILTER_MAX_LEVEL)
    selected = str(form.data.get("region") or "")
    if selected.isdigit():
        condition |= Q(pk=int(selected))
    region_field = form.fields["region"]
    region_field.queryset = Region.objects.filter(condition).order_by("path")
    region_field.label_from_instance = lambda r: "\u3000" * max(0, r.level - 1) + r.name
    overrides = {"unit": [("", "---------"), *((u.pk, u.name) for u in units)]}
    any_yes_no = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]
    fields = []
    for bound in form.visible_fields():
        widget = bound.field.widget
        if isinstance(widget, NullBooleanSelect):
            overrides[bound.name] = any_yes_no
        widget.attrs["class"] = (
            "form-select form-select-sm" if hasattr(widget, "choices") else "form-control form-control-sm"
        )
        if bound.name == "status":
            widget.attrs["size"] = 4
        fields.append(field_view(bound, choices=overrides.get(bound.name)))
    return fields


def bulk_fields(form: BulkForm, units: list) -> tuple[list[FieldView], list[FieldView]]:
    """The bulk form's fields: those for routing, and those for replying."""
    unit_choices = [("", _("— choose a unit —")), *((u.pk, u.name) for u in units)]
    route = [field_view(form["klass"]), field_view(form["unit"], choices=unit_choices)]
    reply = [field_view(form["template"]), field_view(form["reply"])]
    return route, reply


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
    query = filters.urlencode()
    context = {
        "page": page,
        "rows": page.items,
        "next_query": next_query,
        "can_bulk": can_bulk,
        "selected": set(bulk_form.cleaned_data.get("ids") or []) if bulk_form and bulk_form.is_bound else set(),
        "query": query,
        "queue_url": reverse("petitions:queue"),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "petitions/_queue_rows.html", context, status=status)
    units = list(unit_list(user=user))
    if can_bulk and bulk_form is None:
        bulk_form = BulkForm(units=unit_list(user=user), initial={"operation": BulkForm.ROUTE})
    if bulk_form is not None:
        context["bulk_route_fields"], context["bulk_reply_fields"] = bulk_fields(bulk_form, units)
    context.update(
        filter_fields=filter_fields(filterset.form, user, units),
        filter_errors=not filterset.is_valid(),
        bulk_form=bulk_form,
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
