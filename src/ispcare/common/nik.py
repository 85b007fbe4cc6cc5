"""NIK (Nomor Induk Kependudukan): structure check and masking.

Layout of the 16 digits: PP KK CC DDMMYY SSSS — province, regency/city, district,
birth date (day + 40 for women), serial. We check what can be checked offline: known
province codes, non-zero regency and district, a real calendar date, serial not 0000.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Province codes of Dukcapil (incl. the Papua provinces created in 2022).
PROVINCE_CODES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        16,
        17,
        18,
        19,
        21,
        31,
        32,
        33,
        34,
        35,
        36,
        51,
        52,
        53,
        61,
        62,
        63,
        64,
        65,
        71,
        72,
        73,
        74,
        75,
        76,
        81,
        82,
        91,
        92,
        93,
        94,
        95,
        96,
        97,
    }
)
NIK_RE = re.compile(r"^[0-9]{16}$")  # ASCII only: \d also matches other scripts


@dataclass(frozen=True)
class NikInfo:
    province: int
    regency: int
    district: int
    birth_date: dt.date
    female: bool
    serial: int


def _birth_date(day: int, month: int, yy: int, today: dt.date) -> dt.date | None:
    # Two-digit years: the latest date not in the future (311226 read in April 2026 is 1926).
    for year in (2000 + yy, 1900 + yy):
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue  # 29 February exists in 2000 but not in 1900, and the other way round
        if date <= today:
            return date
    return None


def parse_nik(value: str, *, today: dt.date | None = None) -> NikInfo:
    """Return the parts of a NIK, or raise ValidationError with a message that says why."""
    value = (value or "").strip()
    if not NIK_RE.match(value):
        raise ValidationError(_("NIK must be exactly 16 digits."), code="nik_format")
    province, regency, district = int(value[0:2]), int(value[2:4]), int(value[4:6])
    if province not in PROVINCE_CODES:
        raise ValidationError(
            _("The first two digits of the NIK are not a province code."), code="nik_region"
        )
    if regency == 0 or district == 0:
        raise ValidationError(
            _("The regency and district digits of the NIK cannot be 00."), code="nik_region"
        )
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    female = day > 40
    birth = _birth_date(day - 40 if female else day, month, yy, today or dt.date.today())
    if birth is None:
        raise ValidationError(
            _("Digits 7 to 12 of the NIK are not a valid birth date."), code="nik_birth_date"
        )
    serial = int(value[12:16])
    if serial == 0:
        raise ValidationError(
            _("The last four digits of the NIK cannot be 0000."), code="nik_serial"
        )
    return NikInfo(province, regency, district, birth, female, serial)


def validate_nik(value: str) -> None:
    parse_nik(value)


def mask_nik(value: str | None) -> str:
    """Show the region and the last two digits only: 3404**********01."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 6) + value[-2:] if len(value) > 6 else "*" * len(value)
