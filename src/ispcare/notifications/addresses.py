"""Check an address when a message is queued, so a bad one is flagged with a reason then."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ispcare.common.phone import normalize_phone

from .choices import Channel

# An Indonesian mobile number as customers' records store it (+628...): the full check
# (phonenumbers, ~30 µs) is for anything else, so a bulk send to 100,000 stays fast.
_STORED_MOBILE = re.compile(r"\+628\d{7,11}")


class AddressProblem(Exception):
    def __init__(self, failure: str, reason: str):
        super().__init__(reason)
        self.failure = failure
        self.reason = reason


def address_for(channel: str, *, email: str, phone: str) -> str:
    """The address to send to on `channel`, normalised; AddressProblem if none or invalid."""
    from .choices import Failure

    if channel == Channel.EMAIL:
        value = (email or "").strip()
        if not value:
            raise AddressProblem(Failure.NO_ADDRESS, _("no email address"))
        try:
            validate_email(value)
        except ValidationError:
            raise AddressProblem(
                Failure.INVALID_ADDRESS,
                _("“%(value)s” is not a valid email address") % {"value": value},
            ) from None
        return value
    if channel == Channel.WHATSAPP:
        value = (phone or "").strip()
        if not value:
            raise AddressProblem(Failure.NO_ADDRESS, _("no mobile number"))
        if _STORED_MOBILE.fullmatch(value):  # already normalised when it was registered
            return value[1:]
        try:
            return normalize_phone(value).lstrip("+")
        except ValidationError as exc:
            raise AddressProblem(
                Failure.INVALID_ADDRESS,
                _("“%(value)s” is not a WhatsApp number: %(why)s")
                % {"value": value, "why": " ".join(str(m) for m in exc.messages)},
            ) from None
    raise ValueError(f"no address for channel {channel!r}")
