"""A subscriber's session history (radacct), a page at a time, for staff and the portal."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from ispcare.network.selectors import session_history

PAGE = 50


def _before(request) -> dt.datetime | None:
    """The keyset of the next page: sessions that started before this moment."""
    value = parse_datetime(request.GET.get("before", "") or "")
    return value if value and value.tzinfo else None


def sessions_page(request, *, subscription, template: str, staff: bool, extra: dict | None = None):
    rows = session_history(subscription.pppoe_username, limit=PAGE + 1, before=_before(request))
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render(
        request,
        template,
        {
            "subscription": subscription,
            "rows": rows,
            "staff": staff,
            "older": rows[-1]["acctstarttime"].isoformat() if more else "",
            **(extra or {}),
        },
    )
