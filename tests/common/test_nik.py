"""NIK structure: region digits, DDMMYY birth date (+40 for women), serial not 0000."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ispcare.common.logging import MaskNikFilter, mask_text
from ispcare.common.nik import PROVINCE_CODES, mask_nik, parse_nik, validate_nik

TODAY = dt.date(2025, 6, 30)


def _code(value: str) -> str:
    with pytest.raises(ValidationError) as exc:
        parse_nik(value, today=TODAY)
    return exc.value.code


def test_valid_male_nik_parses_into_its_parts():
    info = parse_nik("3404011708900123", today=TODAY)
    assert (info.province, info.regency, info.district) == (34, 4, 1)
    assert info.birth_date == dt.date(1990, 8, 17)
    assert info.female is False
    assert info.serial == 123


def test_female_nik_has_forty_added_to_the_day():
    info = parse_nik("3404015708900001", today=TODAY)
    assert info.female is True
    assert info.birth_date == dt.date(1990, 8, 17)


def test_two_digit_year_is_the_latest_year_not_in_the_future():
    assert parse_nik("3171010101050001", today=TODAY).birth_date == dt.date(2005, 1, 1)
    assert parse_nik("3171010101260001", today=TODAY).birth_date == dt.date(1926, 1, 1)


def test_birth_date_later_this_year_is_read_as_last_century():
    # 31 December of the current two-digit year has not happened yet: it must be 1925.
    assert parse_nik("3404013112250001", today=TODAY).birth_date == dt.date(1925, 12, 31)
    assert parse_nik("3404013006250001", today=TODAY).birth_date == dt.date(2025, 6, 30)


def test_leap_day_is_accepted_only_in_leap_years():
    assert parse_nik("3404012902000001", today=TODAY).birth_date == dt.date(2000, 2, 29)
    assert _code("3404012902010001") == "nik_birth_date"
    assert parse_nik("3404016902000001", today=TODAY).female  # women: 29 + 40


@pytest.mark.parametrize(
    "value",
    [
        "3404013102990001",  # 31 February
        "3404013002990001",  # 30 February
        "3404010013900001",  # month 13
        "3404010000900001",  # month 00
        "3404010001900001",  # day 00
        "3404013201900001",  # day 32
        "3404014001900001",  # day 40: neither a man's nor a woman's day
        "3404017201900001",  # day 72 = 32 + 40
        "3404017102990001",  # woman, 31 February
    ],
)
def test_impossible_birth_dates_are_refused(value):
    assert _code(value) == "nik_birth_date"


@pytest.mark.parametrize("province", ["00", "10", "20", "30", "37", "99", "54"])
def test_unknown_province_is_refused(province):
    assert _code(province + "04011708900001") == "nik_region"


@pytest.mark.parametrize("value", ["3400011708900001", "3404001708900001"])
def test_regency_or_district_00_is_refused(value):
    assert _code(value) == "nik_region"


def test_serial_0000_is_refused():
    assert _code("3404011708900000") == "nik_serial"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "340401170890001",  # 15 digits
        "34040117089000011",  # 17 digits
        "3404O11708900001",  # letter O
        "3404-01-170890-0001",
        "34040117089000 1",
        # Full-width and Arabic-Indic digits: \d matches them and int() reads them, so the
        # same person could register twice with one NIK written two ways.
        "".join(chr(0xFF10 + int(d)) for d in "3404011708900001"),
        "".join(chr(0x0660 + int(d)) for d in "3404011708900001"),
    ],
)
def test_wrong_length_or_non_digits_are_refused(value):
    assert _code(value) == "nik_format"


def test_validate_nik_is_the_form_validator():
    validate_nik("3404011708900123")
    with pytest.raises(ValidationError):
        validate_nik("3404011708900000")


@st.composite
def nik_parts(draw):
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    regency = draw(st.integers(1, 99))
    district = draw(st.integers(1, 99))
    # Two-digit years cover the hundred years up to today.
    birth = draw(st.dates(min_value=dt.date(1925, 7, 1), max_value=TODAY))
    female = draw(st.booleans())
    serial = draw(st.integers(1, 9999))
    return province, regency, district, birth, female, serial


@given(nik_parts())
def test_every_nik_built_from_valid_parts_parses_back_to_the_same_parts(parts):
    province, regency, district, birth, female, serial = parts
    day = birth.day + (40 if female else 0)
    value = (
        f"{province:02d}{regency:02d}{district:02d}"
        f"{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"
    )
    info = parse_nik(value, today=TODAY)
    assert (info.province, info.regency, info.district) == (province, regency, district)
    assert (info.birth_date, info.female, info.serial) == (birth, female, serial)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_16_digit_string_with_serial_0000_is_refused(head):
    with pytest.raises(ValidationError):
        parse_nik(head + "0000", today=TODAY)


def test_mask_nik_keeps_region_and_last_two_digits():
    assert mask_nik("3404011708900123") == "3404**********23"
    assert mask_nik("") == ""
    assert mask_nik(None) == ""
    assert mask_nik("12345") == "*****"


def test_mask_text_masks_every_16_digit_run_but_not_longer_or_shorter_ones():
    text = "nik 3404011708900123, ref 12345678901234567, phone +628123456789"
    assert mask_text(text) == ("nik 3404**********23, ref 12345678901234567, phone +628123456789")


def test_log_filter_masks_a_nik_passed_as_an_argument():
    record = logging.LogRecord(
        "ispcare.test",
        logging.INFO,
        __file__,
        1,
        "approved %s (%s)",
        ("3404011708900123", "x"),
        None,
    )
    assert MaskNikFilter().filter(record) is True
    assert record.getMessage() == "approved 3404**********23 (x)"
    assert "3404011708900123" not in record.getMessage()


def test_configured_console_handler_writes_masked_niks():
    """The LOGGING setting puts the filter on the handler: what reaches the log is masked."""
    import io

    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskNikFilter) for f in h.filters)
    ]
    assert handlers, "no root handler carries MaskNikFilter"
    handler = handlers[0]
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("ispcare.customers").warning("duplicate NIK %s", "3404011708900123")
    finally:
        handler.setStream(old)
    output = stream.getvalue()
    assert "3404**********23" in output
    assert "3404011708900123" not in output
