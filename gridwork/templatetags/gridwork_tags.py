"""Masking filters for grid work's pages (``core.masking``)."""

from django import template

from core.masking import mask_name, mask_phone

register = template.Library()
register.filter("masked_name", mask_name)
register.filter("masked_phone", mask_phone)


@register.filter
def percent(value) -> str:
    """A rate as shown: "41.7%", or "—" when there is nothing to divide by."""
    return "—" if value is None else f"{value}%"
