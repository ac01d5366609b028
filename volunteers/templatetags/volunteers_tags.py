from django import template

from volunteers import selectors
from volunteers.models import WishStatus

register = template.Library()


@register.simple_tag
def open_wishes(count: int = 3) -> list:
    """The newest wishes still waiting on the wall (one query), for the front door's card."""
    return list(selectors.wish_wall().filter(status=WishStatus.PUBLISHED)[:count])
