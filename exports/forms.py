"""What to export (the kind's parameters) and how (format, personal data).

``parse_params`` is used by the page and again by the worker when a background job runs, so the
filters are checked against the user's scope at the time the rows are read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import PortalFormMixin
from core.inputs import BoundedDateField
from exports import permissions
from exports.models import Format, Kind
from funds import selectors as fund_selectors
from funds.models import Fund
from grids.models import Region
from grids.permissions import region_condition
from petitions import selectors as petition_selectors
from petitions.filters import PetitionFilter

# The region list offers nodes down to communities; a deeper node still works from a link.
REGION_CHOICE_MAX_LEVEL = 3


def _last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


class SatisfactionForm(PortalFormMixin, forms.Form):
    """One row per item filed in [start, end] (Asia/Shanghai dates, inclusive) in a region's subtree."""

    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    start = BoundedDateField(label=_("From (date filed)"), widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        in_scope = region_condition(permissions.export_paths(user), "path")
        field = self.fields["region"]
        field.queryset = Region.objects.filter(in_scope).order_by("path")
        selected = str(self.data.get("region") or "") if self.is_bound else ""
        shown = Q(level__lte=REGION_CHOICE_MAX_LEVEL) | (Q(pk=int(selected)) if selected.isdigit() else Q(pk__in=[]))
        field.widget.choices = [
            (r.pk, "\u3000" * max(0, r.level - 1) + r.name) for r in field.queryset.filter(shown).only("name", "level")
        ]
        if not self.is_bound:
            start, end = _last_month(timezone.localdate())
            roots = list(field.queryset.filter(path__in=permissions.export_paths(user))[:1])
            self.initial.update(start=start, end=end, region=roots[0].pk if roots else None)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days + 1 > settings.EXPORT_MAX_DAYS:
                self.add_error("end", _("Export at most %(days)s days at a time.") % {"days": settings.EXPORT_MAX_DAYS})
        return data


class GridWorkForm(SatisfactionForm):
    """Grid work's figures over [start, end] for every node of a region's subtree (issue 15)."""

    start = BoundedDateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))


class ChoiceForm(PortalFormMixin, forms.Form):
    """The format, and (only for people who may see it) residents' personal data unmasked."""

    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.CSV, widget=forms.RadioSelect)
    reveal = forms.BooleanField(
        label=_("Include residents' names and phone numbers unmasked"),
        help_text=_("Every item in the file is then recorded as a reveal of personal data in your name."),
        required=False,
    )

    def __init__(self, *args, may_reveal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].widget.attrs["class"] = "form-check-input"
        if not may_reveal:
            del self.fields["reveal"]


@dataclass
class Params:
    """The parsed parameters of one export: valid or with the messages to show."""

    kind: str
    data: dict[str, list[str]]
    form: forms.Form | None = None
    filterset: PetitionFilter | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def cleaned(self) -> dict:
        if self.form is not None:
            return self.form.cleaned_data
        return self.filterset.form.cleaned_data if self.filterset is not None else {}


def query_data(querydict) -> dict[str, list[str]]:
    """The export's parameters from a query string, as lists (JSON for the job), minus the kind and
    the queue's page cursor."""
    return {key: values for key, values in querydict.lists() if key not in ("kind", "cursor") and any(values)}


def _as_querydict(data: dict[str, list[str]]):
    from django.http import QueryDict

    result = QueryDict(mutable=True)
    for key, values in data.items():
        result.setlist(key, [str(v) for v in (values if isinstance(values, list) else [values])])
    return result


class LedgerForm(PortalFormMixin, forms.Form):
    """A fund's ledger: one row per entry, in posting order (issue 17)."""

    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = fund_selectors.fund_list(user=user).order_by("name", "id")


def parse_params(*, user, kind: str, data: dict[str, list[str]]) -> Params:
    params = Params(kind=kind, data=data)
    if kind == Kind.LEDGER:
        form = LedgerForm(_as_querydict(data), user=user)
        params.form = form
        params.data = {key: values for key, values in data.items() if key in form.fields}
        if not permissions.may_export_ledger(user):
            params.errors = [str(_("You may not prepare this export."))]
        elif not form.is_valid():
            params.errors = [str(e) for errors in form.errors.values() for e in errors]
    elif kind in (Kind.SATISFACTION, Kind.PETITIONS, Kind.GRIDWORK) and not permissions.may_export_reports(user):
        params.errors = [str(_("You may not prepare this export."))]
    elif kind in (Kind.SATISFACTION, Kind.GRIDWORK):
        form_class = GridWorkForm if kind == Kind.GRIDWORK else SatisfactionForm
        form = form_class(_as_querydict(data), user=user)
        params.form = form
        params.data = {key: values for key, values in data.items() if key in form.fields}
        if not form.is_valid():
            params.errors = [str(e) for errors in form.errors.values() for e in errors]
    elif kind == Kind.PETITIONS:
        scoped = petition_selectors.petition_queryset(user=user, action=permissions.RUN)
        filterset = PetitionFilter(_as_querydict(data), queryset=scoped, user=user)
        params.filterset = filterset
        params.data = {key: values for key, values in data.items() if key in filterset.filters}
        if not filterset.is_valid():
            form = filterset.form
            labels = {name: f"{f.label}: " for name, f in form.fields.items()}
            params.errors = [f"{labels.get(name, '')}{e}" for name, errors in form.errors.items() for e in errors]
    else:
        params.errors = [str(_("Unknown kind of export. Choose one of the exports below."))]
    return params
