"""SLA arithmetic: targets per type and priority, counted in business hours (WIB) that
skip weekends and Indonesian public holidays. Pure functions; the sweep is in sla_jobs.py.

`HELPDESK_HOURS` = (start hour, end hour, working weekdays) in WIB; `HELPDESK_SLA` maps
"kind:priority" (or "kind:*", "*:priority", "*:*") to (first response, resolution) in
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


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    open_hour, close_hour, _weekdays = settings.HELPDESK_HOURS
    return (
        dt.datetime.combine(day, dt.time(open_hour), WIB),
        dt.datetime.combine(day, dt.time(close_hour), WIB),
    )


def business_deadline(start: dt.datetime, minutes: int) -> dt.datetime:
    """The moment `minutes` business minutes after `start` (aware; returned in UTC).

    The closing instant still belongs to its day, so a span that ends exactly at closing
    time ends there (not at the next opening): deadlines then compose,
    deadline(deadline(s, a), b) == deadline(s, a + b)."""
    at = start.astimezone(WIB)
    remaining = dt.timedelta(minutes=minutes)
    for _ in range(3660):  # ten years of days: a target that never ends is a config error
        day = at.date()
        day_open, day_close = _bounds(day)
        if is_business_day(day) and at <= day_close:
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


def business_cutoff(now: dt.datetime, minutes: int) -> dt.datetime:
    """The latest moment that lies `minutes` business minutes before `now` (in UTC): a
    time t has business_minutes_between(t, now) >= minutes exactly when t <= the cutoff,
    so "waiting at least N business minutes" is one indexed range in SQL."""
    if minutes <= 0:
        return now.astimezone(dt.UTC)
    remaining = dt.timedelta(minutes=minutes)
    cursor = now.astimezone(WIB)
    day = cursor.date()
    for _ in range(3660):
        if is_business_day(day):
            day_open, day_close = _bounds(day)
            hi = min(cursor, day_close)
            if hi > day_open:
                if remaining <= hi - day_open:
                    return (hi - remaining).astimezone(dt.UTC)
                remaining -= hi - day_open
        day -= dt.timedelta(days=1)
        cursor = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), WIB)
    raise ValueError("no business hours in ten years: check HELPDESK_HOURS")


def is_open_now(now: dt.datetime) -> bool:
    """Whether agents are at work (the chat widget takes a message otherwise)."""
    open_hour, close_hour, _weekdays = settings.HELPDESK_HOURS
    local = now.astimezone(WIB)
    return is_business_day(local.date()) and open_hour <= local.hour < close_hour


def next_opening(now: dt.datetime) -> dt.datetime:
    """When agents are next at work (now, if they are)."""
    if is_open_now(now):
        return now
    local = now.astimezone(WIB)
    day = local.date()
    for _ in range(3660):
        day_open, _close = _bounds(day)
        if is_business_day(day) and local < day_open:
            return day_open.astimezone(dt.UTC)
        day += dt.timedelta(days=1)
    raise ValueError("no business hours in ten years: check HELPDESK_HOURS")


def targets(kind: str, priority: str) -> tuple[int, int]:
    """(first response, resolution) in business minutes for a ticket of kind/priority.

    A rule for the kind comes before a rule for the priority alone: with every priority
    listed under "*", a "complaint:*" rule checked after them would never apply."""
    table = settings.HELPDESK_SLA
    for key in (f"{kind}:{priority}", f"{kind}:*", f"*:{priority}", "*:*"):
        if key in table:
            return table[key]
    raise KeyError("HELPDESK_SLA needs a '*:*' entry")


def due_dates(kind: str, priority: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    response, resolution = targets(kind, priority)
    return business_deadline(start, response), business_deadline(start, resolution)
