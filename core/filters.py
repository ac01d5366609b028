"""Pieces every FilterSet uses: bounded dates, strict yes/no values, and the filter form's styling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.forms import PortalFormMixin
from core.inputs import BoundedDateField


class AnyYesNoSelect(forms.NullBooleanSelect):
    """Django's yes/no select, with "any" for no choice. The value reaches the field as sent (Django's
    widget turns anything it does not know into "any")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictNullBooleanField(forms.NullBooleanField):
    """Yes, no or any; anything else is an error (Django's field quietly reads it as "any")."""

    widget = AnyYesNoSelect
    TRUE, FALSE, ANY = ("true", "1", "yes"), ("false", "0", "no"), ("", "unknown", "any")

    def to_python(self, value):
        if value is None or value is True or value is False:
            return value
        text = str(value).strip().lower()
        if text in self.ANY:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("Enter true or false."), code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class DateFilter(django_filters.DateFilter):
    """A date within ``core.inputs``' range, picked with the browser's date input."""

    field_class = BoundedDateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)


class FilterForm(PortalFormMixin, forms.Form):
    """The base form of every FilterSet (``Meta.form``): Bootstrap's small controls."""

    compact = True


@dataclass(frozen=True)
class ActiveFilter:
    """One filter in force, shown as a removable chip: ``name`` is its query parameter."""

    name: str
    label: str
    value: str


def _shown(field: forms.Field, value) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)  # the chosen row itself: no need to read the choices
    choices = dict(getattr(field, "choices", ()) or ())
    if isinstance(value, list | tuple):
        return "、".join(str(choices.get(v, v)) for v in value)
    return str(choices.get(value, value))


def active_filters(filterset, *, hidden: tuple[str, ...] = ()) -> list[ActiveFilter]:
    """The valid filters in force, in the form's order, each with its label and its value in words
    (a choice's label, "Yes"/"No", an ISO date). An invalid form shows none: its errors say more."""
    form = filterset.form
    if not form.is_valid():
        return []
    found = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in hidden or value in (None, "", [], ()):
            continue
        found.append(ActiveFilter(name, str(field.label), _shown(field, value)))
    return found
