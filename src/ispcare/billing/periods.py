"""Billing periods, proration and the grace period: plain date arithmetic, no database.

Billing is postpaid: a period runs from the ISP's billing day to the same day of the next
month, [start, end), and is invoiced on `end` (docs/decisions/0015).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.conf import settings


def _billing_day() -> int:
    day = int(settings.BILLING_DAY)
    if not 1 <= day <= 28:  # 29-31 do not exist in every month
        raise ValueError("BILLING_DAY must be between 1 and 28")
    return day


def months_add(day: dt.date, months: int) -> dt.date:
    """The billing day `months` months after the billing day `day` (day <= 28)."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def period_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The period that contains `day`."""
    billing_day = _billing_day()
    start = day.replace(day=billing_day)
    if day.day < billing_day:
        start = months_add(start, -1)
    return start, months_add(start, 1)


def periods_to_bill(*, today: dt.date, last_billed_end: dt.date | None) -> list[tuple]:
    """Periods that have ended by `today` and were not billed yet, oldest first.

    `last_billed_end` is the end of the last period a completed run billed; None on the
    first run ever, which bills only the period that ended last (no back-billing of
    customers imported from another system)."""
    latest_end = period_of(today)[0]
    if last_billed_end is None:
        return [(months_add(latest_end, -1), latest_end)]
    periods = []
    end = latest_end
    while end > last_billed_end:
        periods.append((months_add(end, -1), end))
        end = months_add(end, -1)
    return periods[::-1]


def prorate(monthly_price: int, days: int, period_days: int) -> int:
    """`days` of `period_days` at `monthly_price`, rounded half up to the rupiah."""
    if days >= period_days:
        return monthly_price
    if days <= 0:
        return 0
    share = Decimal(monthly_price) * days / period_days
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tax_of(taxable: int) -> int:
    """PPN on the taxable amount at BILLING_TAX_PERCENT, rounded half up (0 when off)."""
    rate = Decimal(str(settings.BILLING_TAX_PERCENT or "0"))
    if rate <= 0 or taxable <= 0:
        return 0
    return int((Decimal(taxable) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@lru_cache(maxsize=8)
def _holidays(year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.country_holidays("ID", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def isolation_day(due_date: dt.date) -> dt.date:
    """The first day an invoice still unpaid may isolate the service: after
    BILLING_GRACE_DAYS days past the due date, counted in working days when
    BILLING_GRACE_WORKING_DAYS is on (and then never on a weekend or holiday)."""
    grace = int(settings.BILLING_GRACE_DAYS)
    if not settings.BILLING_GRACE_WORKING_DAYS:
        return due_date + dt.timedelta(days=grace + 1)
    day, counted = due_date, 0
    while counted < grace + 1:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def overdue_cutoff(today: dt.date) -> dt.date | None:
    """The latest due date whose unpaid invoices isolate today, or None when nothing may
    be isolated today (a weekend or holiday with working-day grace)."""
    if settings.BILLING_GRACE_WORKING_DAYS and not is_working_day(today):
        return None
    # isolation_day grows with the due date: walk back from today to the first that fits.
    due = today
    for _ in range(400):
        if isolation_day(due) <= today:
            return due
        due -= dt.timedelta(days=1)
    return None
