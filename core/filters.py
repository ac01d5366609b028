"""Pieces every FilterSet uses: bounded dates, strict yes/no values, and the filter form's styling."""

from __future__ import annotations

import django_filters
from django import forms
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
