"""Formatting filters available in every template: rupiah, wib, masked NIK, phone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import formats

from ispcare.common.money import format_rupiah
from ispcare.common.nik import mask_nik
from ispcare.common.phone import display_phone

register = template.Library()
WIB = ZoneInfo("Asia/Jakarta")


@register.filter
def rupiah(value: int | None) -> str:
    return format_rupiah(value)


@register.filter
def wib(value: dt.datetime | None, fmt: str = "j M Y H:i") -> str:
    """A moment in Asia/Jakarta with the WIB suffix, whatever the active time zone."""
    if not value:
        return ""
    return f"{formats.date_format(value.astimezone(WIB), fmt)} WIB"


@register.filter
def nik_masked(value: str | None) -> str:
    return mask_nik(value)


@register.filter
def phone(value: str | None) -> str:
    return display_phone(value) if value else ""
