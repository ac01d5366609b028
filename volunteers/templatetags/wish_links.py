"""``{% wish_related wish as related %}``: the linked records other apps register for a wish
(``volunteers.wish_links.page``), read for the signed-in (or anonymous) viewer."""

from __future__ import annotations

from django import template

from volunteers.wish_links import page

register = template.Library()


@register.simple_tag(takes_context=True)
def wish_related(context, wish):
    request = context.get("request")
    user = getattr(request, "user", None)
    return page.related(user, wish)
