"""Customer numbers, application references and PPPoE credentials."""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.utils import timezone

from ispcare.common.sequences import sequence_next

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def application_reference() -> str:
    return "REG-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def customer_number_next() -> str:
    """Next number in settings.CUSTOMER_NUMBER_FORMAT; unique under concurrent approvals.

    The sequence is per month (`{yymm}`) and taken under a row lock in the caller's
    transaction, so two approvals never share a number and a rollback leaves no gap.
    """
    yymm = timezone.localtime().strftime("%y%m")
    seq = sequence_next(name=f"customer:{yymm}")
    return settings.CUSTOMER_NUMBER_FORMAT.format(yymm=yymm, seq=seq)


def pppoe_username_for(number: str) -> str:
    return number.lower().replace("-", "")


def pppoe_password_new() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))
