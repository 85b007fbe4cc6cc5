"""Billing periods, proration, tax and the grace period: pure date arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from ispcare.billing.periods import (
    isolation_day,
    overdue_cutoff,
    period_of,
    periods_to_bill,
    prorate,
    tax_of,
)

D = dt.date


@pytest.mark.parametrize(
    "billing_day,day,expected",
    [
        (1, D(2026, 11, 15), (D(2026, 11, 1), D(2026, 12, 1))),
        (1, D(2026, 12, 1), (D(2026, 12, 1), D(2027, 1, 1))),
        (15, D(2026, 11, 14), (D(2026, 10, 15), D(2026, 11, 15))),
        (15, D(2026, 1, 3), (D(2025, 12, 15), D(2026, 1, 15))),
        (28, D(2027, 2, 28), (D(2027, 2, 28), D(2027, 3, 28))),
    ],
)
def test_period_of(settings, billing_day, day, expected):
    settings.BILLING_DAY = billing_day
    assert period_of(day) == expected


def test_billing_day_outside_1_to_28_is_refused(settings):
    settings.BILLING_DAY = 31
    with pytest.raises(ValueError):
        period_of(D(2026, 1, 5))


def test_first_run_bills_only_the_period_that_ended_last(settings):
    settings.BILLING_DAY = 1
    assert periods_to_bill(today=D(2026, 12, 3), last_billed_end=None) == [
        (D(2026, 11, 1), D(2026, 12, 1))
    ]


def test_catch_up_bills_each_missed_period_once_oldest_first(settings):
    settings.BILLING_DAY = 1
    assert periods_to_bill(today=D(2026, 12, 3), last_billed_end=D(2026, 10, 1)) == [
        (D(2026, 10, 1), D(2026, 11, 1)),
        (D(2026, 11, 1), D(2026, 12, 1)),
    ]
    assert periods_to_bill(today=D(2026, 12, 3), last_billed_end=D(2026, 12, 1)) == []


@pytest.mark.parametrize(
    "price,days,period,expected",
    [
        (200_000, 30, 30, 200_000),
        (200_000, 31, 30, 200_000),
        (200_000, 15, 30, 100_000),
        (200_000, 1, 31, 6_452),  # 6451.6 rounds up
        (250_000, 10, 30, 83_333),  # 83333.3 rounds down
        (100_001, 15, 30, 50_001),  # 50000.5 rounds half up
        (200_000, 0, 30, 0),
    ],
)
def test_prorate_rounds_half_up_to_the_rupiah(price, days, period, expected):
    assert prorate(price, days, period) == expected


def test_tax_is_off_by_default_and_rounded_when_on(settings):
    assert tax_of(200_000) == 0
    settings.BILLING_TAX_PERCENT = "11"
    assert tax_of(200_000) == 22_000
    assert tax_of(83_333) == 9_167  # 9166.63
    assert tax_of(-5) == 0


def test_grace_in_calendar_days(settings):
    settings.BILLING_GRACE_DAYS = 5
    settings.BILLING_GRACE_WORKING_DAYS = False
    assert isolation_day(D(2026, 12, 10)) == D(2026, 12, 16)
    assert overdue_cutoff(D(2026, 12, 16)) == D(2026, 12, 10)
    assert overdue_cutoff(D(2026, 12, 15)) == D(2026, 12, 9)


def test_grace_in_working_days_skips_weekends_and_public_holidays(settings):
    settings.BILLING_GRACE_DAYS = 2
    settings.BILLING_GRACE_WORKING_DAYS = True
    # Due Wed 23 Dec 2026; 25 Dec is Christmas and 26-27 a weekend: the grace days are
    # Thu 24 and Mon 28, isolation on Tue 29.
    assert isolation_day(D(2026, 12, 23)) == D(2026, 12, 29)
    # No isolation on a weekend or a holiday at all.
    assert overdue_cutoff(D(2026, 12, 26)) is None
    assert overdue_cutoff(D(2026, 12, 25)) is None
    assert overdue_cutoff(D(2026, 12, 29)) == D(2026, 12, 23)
