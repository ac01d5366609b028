"""The region-and-period picker of the reports (pages, PDF and API share it)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.sweeps import previous_month
from reports.selectors import months_between

MAX_MONTHS = 24
SPLIT_CHOICES = [
    ("category", _("Category")),
    ("channel", _("Channel")),
    ("unit", _("Handling unit")),
]
UNIT_SORTS = [
    ("on_time", _("On-time closure rate")),
    ("satisfaction", _("Satisfaction rate")),
    ("rework", _("Rework rate")),
    ("collected", _("Items collected")),
]


class MonthField(forms.CharField):
    """A month written ``YYYY-MM`` (what ``<input type="month">`` sends); cleans to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2026-03.")}

    def to_python(self, value) -> dt.date | None:
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return dt.date(int(match[1]), int(match[2]), 1)

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value


class RegionField(forms.IntegerField):
    """A region id; the choices shown are set by the view, any node id in scope is accepted."""

    widget = forms.Select
    default_error_messages = dict.fromkeys(("invalid", "min_value", "max_value"), _("Choose a region from the list."))

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)  # a bigint primary key: larger ids are errors, not 500s
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {}  # a <select> takes no min/max


class PeriodForm(forms.Form):
    """Region, first and last month (inclusive), and the split. Empty: the last full month."""

    region = RegionField(label=_("Region"), required=False)
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)
    split = forms.ChoiceField(label=_("Split by"), choices=SPLIT_CHOICES, required=False)

    def __init__(self, *args, regions=(), api: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if api:  # the API also splits by child region (the pages always show them)
            self.fields["split"].choices = [("region", _("Region")), *SPLIT_CHOICES]
        self.fields["region"].widget.choices = [(r.pk, "\u3000" * max(0, r.level - 1) + r.name) for r in regions]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("start"), data.get("end")
        if start is None and end is None:
            start = end = timezone.localdate().replace(day=1)  # this month so far
        start, end = start or end, end or start
        if end < start:
            self.add_error("end", _("The last month is before the first month."))
        elif len(months_between(start, end)) > MAX_MONTHS:
            self.add_error("end", _("Choose at most %(count)d months.") % {"count": MAX_MONTHS})
        data["start"], data["end"] = start, end
        return data


class UnitsForm(PeriodForm):
    sort = forms.ChoiceField(label=_("Rank by"), choices=UNIT_SORTS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["split"]


class BacklogForm(forms.Form):
    """The zero-backlog history: one region (snapshots exist down to the communities)."""

    region = RegionField(label=_("Region"), required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.choices = [(r.pk, "\u3000" * max(0, r.level - 1) + r.name) for r in regions]
        self.fields["region"].widget.attrs["class"] = "form-select"


class MonthlyForm(forms.Form):
    """The monthly PDF: one region, one month (default: the last full month)."""

    region = RegionField(required=False)
    month = MonthField(required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("month") is None:
            data["month"] = previous_month()
        return data
