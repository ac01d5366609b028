"""``{% load exports_tags %}``: whether to offer an export link to the signed-in user."""

from django import template

from exports import permissions

register = template.Library()


@register.filter
def may_export(user) -> bool:
    return permissions.may_export(user)
