"""Bootstrap styling and accessible error wiring for every portal form."""

from __future__ import annotations

from django import forms


class PortalFormMixin:
    """Adds Bootstrap classes (small ones when ``compact``); marks invalid fields and ties each to
    its error message."""

    compact = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        size = " form-select-sm" if self.compact else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                base = "form-check-input"
            elif isinstance(widget, forms.Select):
                base = "form-select" + size
            else:
                base = "form-control" + (" form-control-sm" if self.compact else "")
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {base}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"
