"""`{% load closures_staff %}`: whether the user may see the closing's panel on a page
another app renders (the staff customer page)."""

from __future__ import annotations

from django import template

from ispcare.accounts.roles import has_capability

register = template.Library()


@register.filter
def may(user, capability: str) -> bool:
    """`{% if user|may:"closures.view" %}`"""
    return has_capability(user, capability)
