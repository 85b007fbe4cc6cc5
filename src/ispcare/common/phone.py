"""Indonesian mobile numbers, normalised to E.164 (+62...)."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_phone(value: str) -> str:
    """Return `value` as +62... or raise ValidationError; accepts 08.., 628.., +62 8.."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a mobile number."), code="phone_required")
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number."), code="phone_format") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a valid phone number."), code="phone_invalid")
    if number.country_code != 62:
        raise ValidationError(
            _("Enter an Indonesian mobile number (08... or +62...)."), code="phone_not_indonesian"
        )
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(
            _("Enter a mobile number (08...), so we can reach you by WhatsApp."),
            code="phone_not_mobile",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, "ID"), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
