"""SLA arithmetic: targets per type and priority, counted in business hours (WIB) that
skip weekends and Indonesian public holidays. Pure functions; the sweep is in sla_jobs.py.

`HELPDESK_HOURS` = (start hour, end hour, working weekdays) in WIB; `HELPDESK_SLA` maps
"kind:priority" (or "*:priority", "kind:*", "*:*") to (first response, resolution) in
business minutes.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

WIB = ZoneInfo("Asia/Jakarta")


@lru_cache(maxsize=8)
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


def is_business_day(day: dt.date) -> bool:
    _start, _end, weekdays = settings.HELPDESK_HOURS
    return day.weekday() in weekdays and day not in _holidays(day.year)


def business_deadline(start: dt.datetime, minutes: int) -> dt.datetime:
    """The moment `minutes` business minutes after `start` (aware; returned in UTC)."""
    open_hour, close_hour, _weekdays = settings.HELPDESK_HOURS
    at = start.astimezone(WIB)
    remaining = dt.timedelta(minutes=minutes)
    for _ in range(3660):  # ten years of days: a target that never ends is a config error
        day = at.date()
        day_open = dt.datetime.combine(day, dt.time(open_hour), WIB)
        day_close = dt.datetime.combine(day, dt.time(close_hour), WIB)
        if is_business_day(day) and at < day_close:
            at = max(at, day_open)
            left_today = day_close - at
            if remaining <= left_today:
                return (at + remaining).astimezone(dt.UTC)
            remaining -= left_today
        at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), WIB)
    raise ValueError("no business hours in ten years: check HELPDESK_HOURS")


def business_minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    """Business minutes from `start` to `end` (0 when end <= start): the timers' clock."""
    if end <= start:
        return 0
    open_hour, close_hour, _weekdays = settings.HELPDESK_HOURS
    total = dt.timedelta(0)
    at, end = start.astimezone(WIB), end.astimezone(WIB)
    while at < end:
        day = at.date()
        if is_business_day(day):
            lo = max(at, dt.datetime.combine(day, dt.time(open_hour), WIB))
            hi = min(end, dt.datetime.combine(day, dt.time(close_hour), WIB))
            if hi > lo:
                total += hi - lo
        at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), WIB)
    return int(total.total_seconds() // 60)


def is_open_now(now: dt.datetime) -> bool:
    """Whether agents are at work (the chat widget takes a message otherwise)."""
    open_hour, close_hour, _weekdays = settings.HELPDESK_HOURS
    local = now.astimezone(WIB)
    return is_business_day(local.date()) and open_hour <= local.hour < close_hour


def next_opening(now: dt.datetime) -> dt.datetime:
    """When agents are next at work (now, if they are)."""
    if is_open_now(now):
        return now
    return business_deadline(now, 0)


def targets(kind: str, priority: str) -> tuple[int, int]:
    """(first response, resolution) in business minutes for a ticket of kind/priority."""
    table = settings.HELPDESK_SLA
    for key in (f"{kind}:{priority}", f"*:{priority}", f"{kind}:*", "*:*"):
        if key in table:
            return table[key]
    raise KeyError("HELPDESK_SLA needs a '*:*' entry")


def due_dates(kind: str, priority: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    response, resolution = targets(kind, priority)
    return business_deadline(start, response), business_deadline(start, resolution)
