"""Indonesian mobile numbers are stored as +62...; landlines and garbage are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ispcare.common.phone import display_phone, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "08123456789",
        "628123456789",
        "+628123456789",
        "+62 812 3456 789",
        "+62 812-3456-789",
        "0812-3456-789",
        " 0812 3456 789 ",
        "(0812) 3456789",
    ],
)
def test_mobile_numbers_in_every_usual_spelling_become_e164(raw):
    assert normalize_phone(raw) == "+628123456789"


def test_other_operators_and_lengths_are_kept_whole():
    assert normalize_phone("0857 1234 5678") == "+6285712345678"
    assert normalize_phone("0811-2345-678") == "+628112345678"


@pytest.mark.parametrize("raw", ["0274 555 0101", "021 555 1234", "+62 21 5551234"])
def test_landline_is_refused_as_not_mobile(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    assert exc.value.code == "phone_not_mobile"


@pytest.mark.parametrize(
    "raw,code",
    [
        ("", "phone_required"),
        ("   ", "phone_required"),
        (None, "phone_required"),
        ("abc", "phone_format"),
        ("123", "phone_invalid"),
        ("0812", "phone_invalid"),
        ("08123456789012345", "phone_invalid"),
        ("+62 abc def", "phone_format"),
    ],
)
def test_garbage_is_refused_with_a_code(raw, code):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    assert exc.value.code == code


def test_display_phone_is_readable_and_tolerates_garbage():
    assert display_phone("+628123456789") == "+62 812-3456-789"
    assert display_phone("not a number") == "not a number"


@pytest.mark.parametrize("raw", ["+1 650 253 0000", "+44 7911 123456", "+60 12-345 6789"])
def test_foreign_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as err:
        normalize_phone(raw)
    assert err.value.code == "phone_not_indonesian"
