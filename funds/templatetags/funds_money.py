from django import template

from funds.money import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan with two decimals: 17800000 → 178,000.00."""
    return _yuan(fen)
