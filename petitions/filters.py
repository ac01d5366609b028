"""One FilterSet for the triage queue page and the API list (STYLE.md)."""

from __future__ import annotations

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import HandlingUnit, Region
from petitions.models import OPEN_STATUSES, Category, Channel, Deadline, Evaluation, Klass, Petition, Status

SORTS = {"newest": "-id", "oldest": "id", "due": "next_due_at"}


class KeptCategoryField(django_filters.fields.ModelChoiceField):
    """The category filter's field: a code is looked up among the active categories kept in this
    process (``petitions.forms.kept``, replaced when a category changes) rather than by a query per
    request. The same answers and errors as ``ModelChoiceField``; without the cache it queries."""

    def to_python(self, value):
        from petitions.forms import choices_token, kept  # forms imports the models this module filters

        if value in self.empty_values or not isinstance(value, str) or value == self.null_value:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        token = choices_token()
        if token is None:
            return super().to_python(value)
        # .all(): a fresh query (the field, shared by read-only filtersets, keeps its own queryset)
        by_code = kept(token, "active-categories", lambda: {c.code: c for c in self.queryset.all()})
        if value not in by_code:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return by_code[value]


class KeptCategoryFilter(django_filters.ModelChoiceFilter):
    field_class = KeptCategoryField


# The filters below reproduce the items behind each figure of the KPI reports (reports/metrics.py
# defines the same conditions in SQL; tests/reports prove the counts agree).
ANSWERED = (Status.REPLIED, Status.CLOSED)
RATED_CHOICES = [
    ("satisfied", _("Satisfied")),
    ("basic", _("Basically satisfied")),
    ("good", _("Satisfied or basically satisfied")),
    ("unsatisfied", _("Unsatisfied")),
    ("any", _("Evaluated")),
    ("none", _("Not evaluated")),
]


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def first_time_q() -> Q:
    """Resolved the first time: replied or closed, never reworked, never returned."""
    return Q(status__in=ANSWERED, rework_count=0, return_count=0)


def on_time_q() -> Q:
    """Replied or closed by the resolution deadline (items that never had one count as on time)."""
    return Q(status__in=ANSWERED) & (Q(resolve_by__isnull=True) | Q(replied_at__lte=F("resolve_by")))


def late_q() -> Q:
    return Q(status__in=ANSWERED, resolve_by__isnull=False) & (
        Q(replied_at__isnull=True) | Q(replied_at__gt=F("resolve_by"))
    )


class PetitionFilter(django_filters.FilterSet):
    # Not DISTINCT (the library's default for this filter): every filter here is on the petition's
    # own row or an EXISTS, so no row can repeat, and DISTINCT made PostgreSQL read and sort every
    # matching row (and work out its columns) before the page's LIMIT.
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Status.choices, distinct=False)
    open = django_filters.BooleanFilter(label=_("Open items only"), method="filter_open")
    klass = django_filters.ChoiceFilter(label=_("Class"), choices=Klass.choices)
    category = KeptCategoryFilter(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), to_field_name="code"
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=Region.objects.all(), method="filter_region")
    unit = django_filters.ModelChoiceFilter(label=_("Handling unit"), queryset=HandlingUnit.objects.all())
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    due_soon = django_filters.BooleanFilter(label=_("Due within a day"), method="filter_due_soon")
    escalated = django_filters.BooleanFilter(label=_("Escalated"), method="filter_escalated")
    unclaimed = django_filters.BooleanFilter(label=_("Unclaimed"), method="filter_unclaimed")
    filed_from = django_filters.DateFilter(
        label=_("Filed on or after"), method="filter_filed_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    filed_to = django_filters.DateFilter(
        label=_("Filed on or before"), method="filter_filed_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    no_unit = django_filters.BooleanFilter(label=_("Without a handling unit"), method="filter_no_unit")
    first_time = django_filters.BooleanFilter(label=_("Resolved the first time"), method="filter_first_time")
    on_time = django_filters.BooleanFilter(label=_("Replied on time"), method="filter_on_time")
    reworked = django_filters.BooleanFilter(label=_("Reworked"), method="filter_reworked")
    rated = django_filters.ChoiceFilter(label=_("Latest evaluation"), choices=RATED_CHOICES, method="filter_rated")
    q = django_filters.CharFilter(label=_("Tracking code"), method="filter_code")
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=[("newest", _("Newest first")), ("oldest", _("Oldest first")), ("due", _("Due soonest"))],
        method="filter_noop",
        empty_label=None,
    )

    class Meta:
        model = Petition
        fields = ["status", "klass", "category", "channel", "region", "unit"]

    # The queue page, the API list, exports and report links build a PetitionFilter per request.
    # django-filter deep-copies every filter for each one (the model-choice filters' querysets with
    # them) and builds a new form class with twenty new form fields; neither holds anything of the
    # request. So the filters are copied shallowly, bound to this filterset, and the form class is
    # built once per class (docs/performance.md). Each form still deep-copies its fields (Django's
    # Form does), so a page may adjust its form's fields as before; parsing, validation and error
    # messages are the library's own (tests/petitions/test_list_speed.py holds them equal).

    def __init__(self, data=None, queryset: QuerySet | None = None, *, request=None, prefix=None) -> None:
        # BaseFilterSet.__init__, with _bound_filter for its copy.deepcopy(self.base_filters).
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: self._bound_filter(f, queryset.model) for name, f in self.base_filters.items()}

    def _bound_filter(self, declared: django_filters.Filter, model) -> django_filters.Filter:
        """A copy of a declared filter belonging to this filterset: of its own the state a filter
        keeps (its parent and model, its extra arguments, the form field it builds on first use)."""
        bound = copy.copy(declared)
        bound.extra = dict(declared.extra)
        vars(bound).pop("_field", None)  # never shared: built afresh if this filter needs one
        if declared.method is not None:
            bound.method = declared.method  # a FilterMethod that calls this filterset's method
        bound.model, bound.parent = model, self
        return bound

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = type(self)._form_class = self._new_form_class()  # per class: a subclass builds its own
        return form_class

    def _new_form_class(self):
        return super().get_form_class()

    def filter_noop(self, queryset, name, value):
        return queryset  # the sort is applied by the keyset paginator

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_region(self, queryset, name, value):
        # Narrows within the caller's scope (applied after scoping): it can never widen it.
        return queryset.filter(region_path__startswith=value.path) if value else queryset

    def _deadline(self, condition: Q):
        return Exists(Deadline.objects.filter(condition, petition=OuterRef("pk"), met_at__isnull=True))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = self._deadline(Q(due_at__lte=timezone.now(), paused_at__isnull=True))
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_due_soon(self, queryset, name, value):
        if not value:
            return queryset
        now = timezone.now()
        return queryset.filter(self._deadline(Q(due_at__gt=now, due_at__lte=now + dt.timedelta(days=1))))

    def filter_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(escalation_count__gt=0) if value else queryset.filter(escalation_count=0)

    def filter_unclaimed(self, queryset, name, value):
        return queryset.filter(claimed_by__isnull=True) if value else queryset

    def filter_filed_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_local_midnight(value)) if value else queryset

    def filter_filed_to(self, queryset, name, value):
        # Inclusive: everything filed before the next day's midnight (Asia/Shanghai).
        return queryset.filter(created_at__lt=_local_midnight(value + dt.timedelta(days=1))) if value else queryset

    def filter_no_unit(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(unit__isnull=value)

    def filter_first_time(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(first_time_q()) if value else queryset.exclude(first_time_q())

    def filter_on_time(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(on_time_q() if value else late_q())

    def filter_reworked(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(rework_count__gt=0) if value else queryset.filter(rework_count=0)

    def filter_rated(self, queryset, name, value):
        """By each item's latest evaluation (resident, callback or third party, the newest wins)."""
        if not value:
            return queryset
        evaluations = Evaluation.objects.filter(petition=OuterRef("pk"))
        if value in ("any", "none"):
            exists = Exists(evaluations)
            return queryset.filter(exists) if value == "any" else queryset.exclude(exists)
        latest = Subquery(evaluations.order_by("-created_at", "-id").values("rating")[:1])
        ratings = {"good": [Evaluation.Rating.SATISFIED, Evaluation.Rating.BASIC]}.get(value, [value])
        return queryset.alias(latest_rating=latest).filter(latest_rating__in=ratings)

    def filter_code(self, queryset, name, value):
        value = (value or "").strip().upper()
        return queryset.filter(tracking_code=value) if value else queryset

    @property
    def ordering(self) -> str:
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return SORTS.get(data.get("sort") or "newest", "-id")


class _SharedFields(dict):
    """Form fields that every form of a class shares: Django's Form deep-copies its class's fields
    for each form (so that a page may adjust its own), a copy that a form which only validates does
    not need."""

    def __deepcopy__(self, memo) -> _SharedFields:
        return self


class ReadOnlyPetitionFilter(PetitionFilter):
    """``PetitionFilter`` for a reader that only validates the query and filters by it (the API
    list): its forms share their fields instead of copying twenty of them per request. Its form is
    never drawn or adjusted; pages that draw the filters use ``PetitionFilter``."""

    def _new_form_class(self):
        built = super()._new_form_class()
        form_class = type(built.__name__, (built,), {})
        form_class.base_fields = _SharedFields(built.base_fields)
        return form_class
