"""Customer numbers, application references and PPPoE credentials."""

from __future__ import annotations

import functools
import re
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


@functools.lru_cache(maxsize=8)
def _shape(fmt: str) -> tuple[re.Pattern[str], tuple[tuple[str, bool], ...]]:
    """A number format as a pattern: its text as written (any case), each field digits
    (at least the zero-padded width: a sequence may outgrow it)."""
    pattern, parts = [], []
    for text, name, spec, _conversion in string.Formatter().parse(fmt):
        pattern.append(re.escape(text))
        if name is not None:
            width = re.fullmatch(r"0([0-9]+)d", spec or "")
            pattern.append(f"([0-9]{{{width.group(1)},}})" if width else "([0-9]+)")
        parts.append((text, name is not None))
    return re.compile("".join(pattern), re.IGNORECASE), tuple(parts)


def number_as_stored(fmt: str, term: str) -> str | None:
    """`term` as a number of format `fmt` is stored (the format's own letter case), or None
    when it is not shaped like one. Searches look such a term up by equality, which the
    number's unique index answers, instead of a substring scan."""
    pattern, parts = _shape(fmt)
    found = pattern.fullmatch(term.strip())
    if found is None:
        return None
    digits = iter(found.groups())
    return "".join(text + (next(digits) if field else "") for text, field in parts)


def customer_number_as_stored(term: str) -> str | None:
    """`term` as the customer number it would be (settings.CUSTOMER_NUMBER_FORMAT)."""
    return number_as_stored(settings.CUSTOMER_NUMBER_FORMAT, term)


def pppoe_username_for(number: str) -> str:
    return number.lower().replace("-", "")


def pppoe_password_new() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))
