"""Money typed as yuan (at most two decimals) ↔ integer fen, the one parser forms and the API use."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# One hundred million yuan (一亿): far above any community fund; anything larger is a typing error.
MAX_FEN = 100_000_000 * 100

_AMOUNT = re.compile(r"^(\d{1,12})(?:\.(\d{1,2}))?$")
_TOO_PRECISE = re.compile(r"^\d{1,12}\.\d{3,}$")

NEGATIVE = _("Enter a positive amount.")
FRACTIONAL_FEN = _("Amounts have at most two decimals (fen); %(value)s has more.")
TOO_LARGE = _("Enter an amount of at most 100,000,000 yuan.")
NOT_AN_AMOUNT = _("Enter an amount in yuan, such as 2000 or 35.50.")


def parse_yuan(text) -> int:
    """``"2,000.5"`` → 200050 fen. Refuses negative, zero, fractional-fen and absurd amounts."""
    raw = str(text if text is not None else "").strip().replace(",", "").replace("，", "")
    raw = raw.removeprefix("¥").removeprefix("￥").strip()
    if raw.startswith("-") or raw.startswith("−"):
        raise ValidationError(NEGATIVE, code="negative")
    if _TOO_PRECISE.match(raw):
        whole, _dot, decimals = raw.partition(".")
        if len(decimals.rstrip("0")) > 2:
            raise ValidationError(FRACTIONAL_FEN, code="fractional_fen", params={"value": raw[:20]})
        raw = f"{whole}.{decimals[:2]}"
    match = _AMOUNT.match(raw)
    if not match:
        if re.match(r"^\d{13,}", raw):
            raise ValidationError(TOO_LARGE, code="too_large")
        raise ValidationError(NOT_AN_AMOUNT, code="invalid")
    fen = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if fen <= 0:
        raise ValidationError(NEGATIVE, code="negative")
    if fen > MAX_FEN:
        raise ValidationError(TOO_LARGE, code="too_large")
    return fen


def yuan(fen: int | None) -> str:
    """200050 → ``"2,000.50"`` (no currency sign; templates add ¥)."""
    fen = int(fen or 0)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


class YuanField(forms.CharField):
    """A form field for an amount in yuan; ``cleaned_data`` holds integer fen."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        return attrs

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        return parse_yuan(value)
