"""The staff triage queue: filters, keyset pages, claiming and bulk actions."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
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
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grids.models import Region
from grids.permissions import assignments, may, region_condition, region_paths
from grids.selectors import unit_list
from petitions import permissions, reply_templates, selectors, services
from petitions.filters import PetitionFilter
from petitions.forms import BulkForm, TemplateSelect, choices_token, kept
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


# --- Drawing the rows -------------------------------------------------------------------------------
#
# A queue page draws 25 rows of a dozen cells each. Through the template language that took more time
# than the page's SQL (every variable is looked up, localized and escaped node by node), so the rows
# are drawn here (``fill``, which escapes every value as format_html does) from what each row shows,
# worked out once: masked personal data, the nearest running deadline and its badge, the labels of the
# row's choices (from maps built once per page, not through ``get_*_display`` per row) and its links
# (from one reversed URL per page, not ``reverse()`` per row).

ROW = """
<tr data-testid="queue-row" data-code="{code}">{select}
  <td><a href="{detail_url}" class="text-nowrap">{code}</a></td>
  <td>{title}
    <div class="small text-muted">{person}</div></td>
  <td>{category}</td>
  <td>{region}</td>
  <td><span class="badge {status_css}" data-testid="status-badge">{status}</span></td>
  <td>{klass}</td>
  <td>{unit}</td>
  <td class="text-nowrap">{deadline}</td>
  <td>{claimed_by}</td>
  <td>{claim}</td>
</tr>
"""
SELECT_CELL = """
    <td><input type="checkbox" class="form-check-input" name="ids" value="{pk}" form="bulk-form"
               id="select-{pk}"{checked}>
      <label class="visually-hidden" for="select-{pk}">{label}</label></td>"""
DEADLINE_CELL = """
    <span class="small">{kind}</span>
    <time datetime="{due_iso}">{due_short}</time>{badge}
  """
CLAIM_CELL = """
    <form method="post" action="{url}">
      {csrf_input}
      <input type="hidden" name="next" value="{next}">
      <button type="submit" class="btn btn-sm btn-outline-primary">{claim}</button>
    </form>
  """
CHECKED = mark_safe(" checked")  # constant markup, nothing to escape
_URL_MARK = 918273645  # a pk standing in for every row's own in the one reversed URL


def fill(template: str, **values) -> SafeString:
    """``format_html(template, **values)``: each value escaped unless already safe, by the same
    ``html.escape`` as django.utils.html.escape, without the lazy-string checks around it, which cost
    more than the escaping in this loop. The values are plain strings and numbers, never lazy."""
    escaped = {k: v if isinstance(v, SafeData) else html.escape(str(v)) for k, v in values.items()}
    return SafeString(template.format(**escaped))


def _url_for_pk(name: str, *args) -> Callable[[int], str]:
    """``pk → reverse(name, args=[pk, *args])``, reversing once (an ``<int:pk>`` is ``str(pk)``)."""
    head, tail = reverse(name, args=[_URL_MARK, *args]).split(str(_URL_MARK))
    return lambda pk: f"{head}{pk}{tail}"


def queue_rows(
    items: list[selectors.SummaryRow], request: HttpRequest, *, can_bulk: bool, selected: set, query: str
) -> SafeString:
    """The rows of one page (``selectors.petition_list_rows``), as the queue's table shows them."""
    user = request.user
    now = timezone.now()
    can_triage = may(user, permissions.TRIAGE)
    status_labels = {value: str(label) for value, label in Status.choices}
    klass_labels = {value: str(label) for value, label in Klass.choices}
    kind_labels = {value: str(label) for value, label in Deadline.Kind.choices}
    badges = {
        "overdue": format_html(' <span class="badge text-bg-danger" data-testid="overdue">{}</span>', _("Overdue")),
        "due_soon": format_html(' <span class="badge text-bg-warning">{}</span>', _("Due soon")),
        "paused": format_html(' <span class="badge text-bg-secondary">{}</span>', _("Paused")),
        "": "",
    }
    anonymous, select_label, claim = _("Anonymous"), _("Select %(code)s"), _("Claim")
    detail_url, claim_url = _url_for_pk("petitions:detail"), _url_for_pk("petitions:act", "claim")
    claim_next = f"{reverse('petitions:queue')}?{query}"
    csrf = None
    names = selectors.RowNames()
    rows = []
    for petition in items:
        pk, code = petition.id, petition.tracking_code
        select = ""
        if can_bulk:
            checked = CHECKED if pk in selected else ""
            label = select_label % {"code": code}
            select = fill(SELECT_CELL, pk=pk, checked=checked, label=label)
        if petition.anonymous:
            person = anonymous
        else:
            masked = selectors.masked_personal_data(petition)
            person = f"{masked['name']} {masked['phone']}"
        running = petition.deadlines  # soonest first
        ticking = [d for d in running if d.paused_at is None]
        nearest = ticking[0] if ticking else (running[0] if running else None)
        deadline = "—"
        if nearest is not None:
            due = timezone.localtime(nearest.due_at)
            if nearest.paused_at is not None:
                state = "paused"
            elif nearest.due_at <= now:
                state = "overdue"
            elif nearest.due_at <= now + DUE_SOON:
                state = "due_soon"
            else:
                state = ""
            deadline = fill(
                DEADLINE_CELL,
                kind=kind_labels.get(nearest.kind, nearest.kind),
                due_iso=due.isoformat(),
                due_short=due.strftime("%m-%d %H:%M"),
                badge=badges[state],
            )
        claim_cell = ""
        if (
            can_triage
            and petition.status == Status.NEW
            and petition.claimed_by is None
            and permissions.may_act(user, petition, permissions.TRIAGE)  # by region_path for TRIAGE
        ):
            csrf = csrf or csrf_input(request)
            claim_cell = fill(CLAIM_CELL, url=claim_url(pk), csrf_input=csrf, next=claim_next, claim=claim)
        claimed_by = "—" if petition.claimed_by is None else names.person(petition.claimed_by)
        rows.append(
            fill(
                ROW,
                code=code,
                select=select,
                detail_url=detail_url(pk),
                title=petition.title,
                person=person,
                category=names.category(petition.category),
                region=petition.region["name"],
                status_css=STATUS_BADGE.get(petition.status, "text-bg-light border"),
                status=status_labels.get(petition.status, petition.status),
                klass=klass_labels.get(petition.klass, petition.klass) or "—",
                unit=(petition.unit or {}).get("name") or "—",
                deadline=deadline,
                claimed_by=claimed_by,
                claim=claim_cell,
            )
        )
    return SafeString("".join(rows))  # each row is fill's, its values escaped


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


def _model_rows(field) -> tuple[tuple, ...]:
    """A model choice field's rows as (value, label), from one plain query (its own iterator would
    open a server-side cursor: three more round trips per field)."""
    return tuple((field.prepare_value(obj), field.label_from_instance(obj)) for obj in list(field.queryset))


def _model_choices(field, rows: tuple[tuple, ...]) -> list[tuple]:
    """A model choice field's options in its iterator's order: django-filter's "null" choice, the
    empty choice, the rows."""
    first = [] if getattr(field, "null_label", None) is None else [(field.null_value, field.null_label)]
    if field.empty_label is not None:
        first.append(("", field.empty_label))
    return first + list(rows)


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
            model = isinstance(widget.choices, ModelChoiceIterator)
            choices = _model_choices(bound.field, _model_rows(bound.field)) if model else widget.choices
        with_text = isinstance(widget, TemplateSelect)  # reply templates carry their text for the script
        options = []
        for value, label in choices:
            value = str(value)
            template = reply_templates.reply_template(value) if with_text else None
            data_text = format_html(' data-text="{}"', template.text) if template else ""
            options.append((value, data_text, SELECTED if value in selected else "", label))
        if widget.allow_multiple_selected:
            attrs["multiple"] = True
        drawn = format_html_join("\n", '<option value="{}"{}{}>{}</option>', options)
        return FieldView(kind="select", attrs=flatatt(attrs), options=drawn, **common)
    kind = "textarea" if isinstance(widget, forms.Textarea) else widget.input_type
    return FieldView(kind=kind, attrs=flatatt(attrs), value="" if shown is None else str(shown), **common)


# --- What the forms offer, kept per process ---------------------------------------------------------
#
# The choice lists (categories, the regions and units in the user's scope) change rarely, and the
# drawn forms depend only on them, the user's scope, the language and the query. So each process keeps
# them (petitions.forms.kept) until a category, region or unit changes (petitions.forms.choices_changed)
# and draws a form again only for a query, scope or language it has not drawn yet.


def scope_key(user) -> tuple:
    """What the user's choice lists depend on: their role assignments (the regions and units in
    scope follow from them, grids.permissions)."""
    return tuple((a.role, a.region.path, a.unit_id) for a in assignments(user))


def unit_choices(user, *, token: object = None) -> tuple[tuple[int, str], ...]:
    """(pk, name) of the handling units the user may see (the filter's and the bulk form's)."""
    return kept(token, ("units", scope_key(user)), lambda: tuple(unit_list(user=user).values_list("pk", "name")))


def filter_fields(form, user, units: Sequence[tuple[int, str]], *, token: object = None) -> list[FieldView]:
    """The shared FilterSet's fields with Bootstrap classes and in-scope choices (rendering only:
    the form has already validated the query)."""
    condition = region_condition(region_paths(user, permissions.VIEW), "path") & Q(level__lte=REGION_FILTER_MAX_LEVEL)
    selected = str(form.data.get("region") or "")
    if selected.isdigit():
        condition |= Q(pk=int(selected))
    region_field, category_field = form.fields["region"], form.fields["category"]
    region_field.queryset = Region.objects.filter(condition).order_by("path")
    region_field.label_from_instance = lambda r: "\u3000" * max(0, r.level - 1) + r.name
    regions = kept(token, ("regions", scope_key(user), selected), lambda: _model_rows(region_field))
    categories = kept(token, ("categories", get_language()), lambda: _model_rows(category_field))
    overrides = {
        "unit": [("", "---------"), *units],
        "region": _model_choices(region_field, regions),
        "category": _model_choices(category_field, categories),
    }
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


def bulk_fields(form: BulkForm, units: Sequence[tuple[int, str]]) -> tuple[list[FieldView], list[FieldView]]:
    """The bulk form's fields: those for routing, and those for replying."""
    unit_choices = [("", _("— choose a unit —")), *units]
    route = [field_view(form["klass"]), field_view(form["unit"], choices=unit_choices)]
    reply = [field_view(form["template"]), field_view(form["reply"])]
    return route, reply


# Where the fields sit: (the class of each field's box, the class of its label).
FILTER_LAYOUT = {"wrap": "col-6 col-md-3", "label_class": "form-label small mb-0"}
BULK_LAYOUT = {"wrap": "mb-2", "label_class": "form-label"}


def fields_html(fields: Sequence[FieldView], *, wrap: str, label_class: str) -> SafeString:
    """The fields as petitions/_queue_fields.html draws them (from their values alone: no request)."""
    return render_to_string(
        "petitions/_queue_fields.html", {"fields": fields, "wrap": wrap, "label_class": label_class}
    )


def bulk_html(form: BulkForm, units: Sequence[tuple[int, str]]) -> tuple[SafeString, SafeString]:
    """The bulk form's routing fields and replying fields, drawn."""
    route, reply = bulk_fields(form, units)
    return fields_html(route, **BULK_LAYOUT), fields_html(reply, **BULK_LAYOUT)


def render_queue(request: HttpRequest, *, bulk_form: BulkForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    filters = queue_filters(request)
    page, filterset = selectors.petition_list_rows(
        user=user, filters=filters, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    next_query = ""
    if page.next_cursor:
        params = filters.copy()
        params["cursor"] = page.next_cursor
        next_query = params.urlencode()
    can_bulk = may(user, permissions.TRIAGE)
    query = filters.urlencode()
    selected = set(bulk_form.cleaned_data.get("ids") or []) if bulk_form and bulk_form.is_bound else set()
    context = {
        "page": page,
        "rows": page.items,
        "rows_html": queue_rows(page.items, request, can_bulk=can_bulk, selected=selected, query=query),
        "next_query": next_query,
        "can_bulk": can_bulk,
        "query": query,
        "queue_url": reverse("petitions:queue"),
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "petitions/_queue_rows.html", context, status=status)
    token = choices_token()
    units = unit_choices(user, token=token)
    scope, language = scope_key(user), get_language()
    if bulk_form is not None:  # sent back with its errors
        context["bulk_route_html"], context["bulk_reply_html"] = bulk_html(bulk_form, units)
    elif can_bulk:
        context["bulk_route_html"], context["bulk_reply_html"] = kept(
            token,
            ("bulk", scope, language),
            lambda: bulk_html(BulkForm(units=unit_list(user=user), initial={"operation": BulkForm.ROUTE}), units),
        )
    query_key = tuple(sorted((name, tuple(values)) for name, values in filters.lists()))
    context.update(
        filter_html=kept(
            token,
            ("filters", scope, language, query_key),
            # The list's filterset only validates; the drawn form is a PetitionFilter's own.
            lambda: fields_html(filter_fields(PetitionFilter(filters).form, user, units, token=token), **FILTER_LAYOUT),
        ),
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
