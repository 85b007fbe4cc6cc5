"""SLA arithmetic in business hours (WIB, Mon-Sat 08:00-17:00 by default, Indonesian
public holidays closed): deadlines across nights, weekends and holidays, the minutes
between two moments, the cutoff that goes backwards, opening hours and the targets table.

Calendar used: 2026-12-02 is a Wednesday; 2026-12-25 (Friday, Christmas) and 2027-01-01
(Friday, New Year) are public holidays; Sundays are closed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ispcare.helpdesk import sla

WIB = sla.WIB
UTC = dt.UTC


def wib(y, m, d, hh=0, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=WIB)


# --- business days ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (dt.date(2026, 12, 2), True),  # Wednesday
        (dt.date(2026, 12, 5), True),  # Saturday: open by default
        (dt.date(2026, 12, 6), False),  # Sunday
        (dt.date(2026, 12, 25), False),  # Christmas
        (dt.date(2027, 1, 1), False),  # New Year
        (dt.date(2026, 8, 17), False),  # Independence Day (a Monday)
        (dt.date(2026, 12, 26), True),  # Saturday after Christmas
    ],
)
def test_business_days(day, open_):
    assert sla.is_business_day(day) is open_


def test_weekdays_come_from_settings(settings):
    settings.HELPDESK_HOURS = (8, 17, (0, 1, 2, 3, 4))
    assert not sla.is_business_day(dt.date(2026, 12, 5))  # Saturday now closed
    # Friday 16:00 + 2 h: one hour on Friday, the rest on Monday.
    assert sla.business_deadline(wib(2026, 12, 4, 16), 120) == wib(2026, 12, 7, 9)


# --- deadlines ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (wib(2026, 12, 2, 10), 60, wib(2026, 12, 2, 11)),  # same morning
        (wib(2026, 12, 2, 16, 30), 60, wib(2026, 12, 3, 8, 30)),  # across the night
        (wib(2026, 12, 2, 6), 30, wib(2026, 12, 2, 8, 30)),  # before opening
        (wib(2026, 12, 2, 20), 30, wib(2026, 12, 3, 8, 30)),  # after closing
        (wib(2026, 12, 2, 10), 540, wib(2026, 12, 3, 10)),  # one whole business day
        (wib(2026, 12, 5, 16), 120, wib(2026, 12, 7, 9)),  # Saturday -> Monday (Sunday shut)
        (wib(2026, 12, 6, 11), 15, wib(2026, 12, 7, 8, 15)),  # opened on a Sunday
        (wib(2026, 12, 24, 16, 30), 60, wib(2026, 12, 26, 8, 30)),  # over Christmas
        (wib(2026, 12, 31, 16), 120, wib(2027, 1, 2, 9)),  # over New Year
        (wib(2026, 12, 2, 16, 59, 30), 1, wib(2026, 12, 3, 8, 0, 30)),  # seconds carry over
        (wib(2026, 12, 2, 16), 60, wib(2026, 12, 2, 17)),  # ends exactly at closing
        (wib(2026, 12, 2, 17), 0, wib(2026, 12, 2, 17)),  # zero at closing: closing
        (wib(2026, 12, 2, 20), 0, wib(2026, 12, 3, 8)),  # zero after hours: next opening
        (wib(2026, 12, 24, 12), 1620, wib(2026, 12, 29, 12)),  # complaint resolution, 3 days
    ],
)
def test_business_deadline(start, minutes, due):
    got = sla.business_deadline(start, minutes)
    assert got == due
    assert got.utcoffset() == dt.timedelta(0)  # stored in UTC


def test_deadline_accepts_any_timezone():
    start_utc = wib(2026, 12, 2, 16, 30).astimezone(UTC)
    assert sla.business_deadline(start_utc, 60) == wib(2026, 12, 3, 8, 30)


def test_hours_without_business_days_are_a_config_error(settings):
    settings.HELPDESK_HOURS = (8, 17, ())
    with pytest.raises(ValueError):
        sla.business_deadline(wib(2026, 12, 2, 10), 1)
    with pytest.raises(ValueError):
        sla.business_cutoff(wib(2026, 12, 2, 10), 1)
    with pytest.raises(ValueError):
        sla.next_opening(wib(2026, 12, 2, 10))


# --- minutes between --------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (wib(2026, 12, 2, 10), wib(2026, 12, 2, 11, 30), 90),
        (wib(2026, 12, 2, 16), wib(2026, 12, 3, 9), 120),  # night not counted
        (wib(2026, 12, 2, 6), wib(2026, 12, 2, 23), 540),  # the whole business day
        (wib(2026, 12, 5, 16), wib(2026, 12, 7, 9), 120),  # Sunday not counted
        (wib(2026, 12, 24, 16), wib(2026, 12, 26, 9), 120),  # Christmas not counted
        (wib(2026, 12, 6, 9), wib(2026, 12, 6, 15), 0),  # all on a Sunday
        (wib(2026, 12, 2, 11), wib(2026, 12, 2, 10), 0),  # backwards
        (wib(2026, 12, 2, 10), wib(2026, 12, 2, 10), 0),
        (wib(2026, 12, 2, 10), wib(2026, 12, 2, 10, 0, 59), 0),  # whole minutes only
        (wib(2026, 12, 1, 8), wib(2026, 12, 8, 8), 6 * 540),  # a week: six business days
    ],
)
def test_business_minutes_between(start, end, minutes):
    assert sla.business_minutes_between(start, end) == minutes


# --- the cutoff (backwards) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "minutes", "cutoff"),
    [
        (wib(2026, 12, 2, 12), 60, wib(2026, 12, 2, 11)),
        (wib(2026, 12, 3, 9), 120, wib(2026, 12, 2, 16)),  # back across the night
        (wib(2026, 12, 2, 20), 60, wib(2026, 12, 2, 16)),  # now after closing
        (wib(2026, 12, 7, 9), 120, wib(2026, 12, 5, 16)),  # back over Sunday
        (wib(2026, 12, 26, 9), 120, wib(2026, 12, 24, 16)),  # back over Christmas
        (wib(2027, 1, 2, 8, 30), 60, wib(2026, 12, 31, 16, 30)),  # back over New Year
        (wib(2026, 12, 2, 9), 60, wib(2026, 12, 2, 8)),  # exactly to the opening
        (wib(2026, 12, 2, 12), 0, wib(2026, 12, 2, 12)),
    ],
)
def test_business_cutoff(now, minutes, cutoff):
    got = sla.business_cutoff(now, minutes)
    assert got == cutoff
    assert got.utcoffset() == dt.timedelta(0)


def test_cutoff_separates_waited_long_enough_from_not():
    now = wib(2026, 12, 3, 9)
    cutoff = sla.business_cutoff(now, 240)
    assert sla.business_minutes_between(cutoff, now) == 240
    assert sla.business_minutes_between(cutoff + dt.timedelta(seconds=1), now) == 239
    assert sla.business_minutes_between(cutoff - dt.timedelta(hours=3), now) >= 240


# --- opening hours ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (wib(2026, 12, 2, 8), True),
        (wib(2026, 12, 2, 16, 59), True),
        (wib(2026, 12, 2, 17), False),
        (wib(2026, 12, 2, 7, 59), False),
        (wib(2026, 12, 6, 10), False),  # Sunday
        (wib(2026, 12, 25, 10), False),  # Christmas
        (dt.datetime(2026, 12, 2, 1, 0, tzinfo=UTC), True),  # 08:00 WIB given in UTC
        (dt.datetime(2026, 12, 2, 0, 59, tzinfo=UTC), False),
    ],
)
def test_is_open_now(now, is_open):
    assert sla.is_open_now(now) is is_open


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        (wib(2026, 12, 2, 10), wib(2026, 12, 2, 10)),  # open: now
        (wib(2026, 12, 2, 6), wib(2026, 12, 2, 8)),
        (wib(2026, 12, 2, 17), wib(2026, 12, 3, 8)),  # closing time: tomorrow
        (wib(2026, 12, 5, 18), wib(2026, 12, 7, 8)),  # Saturday evening: Monday
        (wib(2026, 12, 6, 3), wib(2026, 12, 7, 8)),
        (wib(2026, 12, 24, 18), wib(2026, 12, 26, 8)),  # Christmas Eve: the 26th
        (wib(2026, 12, 31, 19), wib(2027, 1, 2, 8)),
    ],
)
def test_next_opening(now, opening):
    assert sla.next_opening(now) == opening


# --- targets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "priority", "expected"),
    [
        ("fault", "urgent", (15, 240)),  # kind:priority
        ("complaint", "urgent", (60, 1620)),  # kind:* before *:priority
        ("complaint", "low", (60, 1620)),
        ("question", "urgent", (15, 240)),  # *:priority
        ("question", "low", (240, 2700)),  # *:priority
        ("other", "weird", (60, 1080)),  # *:*
    ],
)
def test_targets_lookup_order(kind, priority, expected):
    assert sla.targets(kind, priority) == expected


def test_targets_from_settings(settings):
    settings.HELPDESK_SLA = {"billing:*": (5, 6), "*:*": (1, 2)}
    assert sla.targets("billing", "high") == (5, 6)
    assert sla.targets("fault", "high") == (1, 2)
    settings.HELPDESK_SLA = {"fault:high": (3, 4)}
    with pytest.raises(KeyError):
        sla.targets("fault", "low")


def test_due_dates():
    response, resolution = sla.due_dates("fault", "normal", wib(2026, 12, 24, 16, 45))
    assert response == wib(2026, 12, 26, 8, 15)  # 15 min Thursday, 15 min Saturday
    assert resolution == wib(2026, 12, 26, 16, 45)  # 525 more minutes on Saturday
    response, resolution = sla.due_dates("complaint", "normal", wib(2026, 12, 24, 16, 45))
    assert response == wib(2026, 12, 26, 8, 45)
    assert resolution == wib(2026, 12, 29, 16, 45)  # 3 business days, Sunday skipped


# --- properties ---------------------------------------------------------------------

DAYS = st.integers(min_value=0, max_value=730).map(lambda n: dt.date(2026, 1, 1) + dt.timedelta(n))
MINUTES = st.integers(min_value=0, max_value=5000)


@st.composite
def business_starts(draw):
    day = draw(DAYS.filter(sla.is_business_day))
    second = draw(st.integers(min_value=0, max_value=9 * 3600 - 1))
    return dt.datetime.combine(day, dt.time(8), WIB) + dt.timedelta(seconds=second)


@st.composite
def any_moment(draw):
    day = draw(DAYS)
    return dt.datetime.combine(day, dt.time(0), WIB) + dt.timedelta(
        seconds=draw(st.integers(min_value=0, max_value=86399))
    )


@hsettings(max_examples=300, deadline=None)
@given(start=business_starts(), a=MINUTES, b=MINUTES)
def test_deadlines_compose(start, a, b):
    assert sla.business_deadline(start, a + b) == sla.business_deadline(
        sla.business_deadline(start, a), b
    )


@hsettings(max_examples=200, deadline=None)
@given(start=any_moment(), a=MINUTES, b=MINUTES)
def test_deadlines_compose_from_any_moment(start, a, b):
    assert sla.business_deadline(start, a + b) == sla.business_deadline(
        sla.business_deadline(start, a), b
    )


@hsettings(max_examples=300, deadline=None)
@given(start=business_starts(), m=MINUTES)
def test_minutes_between_inverts_deadline(start, m):
    assert sla.business_minutes_between(start, sla.business_deadline(start, m)) == m


@hsettings(max_examples=300, deadline=None)
@given(now=any_moment(), m=MINUTES)
def test_cutoff_is_exactly_m_business_minutes_back(now, m):
    cutoff = sla.business_cutoff(now, m)
    assert cutoff <= now
    assert sla.business_minutes_between(cutoff, now) == m
    # Nothing later is as far back: the cutoff is the latest such moment.
    assert sla.business_minutes_between(cutoff + dt.timedelta(seconds=1), now) < max(m, 1)
