"""The supervisors' SLA page: open breached tickets and how the team keeps its targets."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from ispcare.accounts.decorators import capability_required

from . import sla_report


@capability_required("helpdesk.supervise")
def breach_list(request):
    now = timezone.now()
    breaches, count = sla_report.open_breaches(now)
    days = sla_report.breaches_per_day(now)
    return render(
        request,
        "helpdesk/sla/breach_list.html",
        {
            "breaches": breaches,
            "count": count,
            "limited": count > len(breaches),
            "days": days,
            "today_count": days[-1]["count"],
            "fortnight_count": sum(d["count"] for d in days),
            "share": sla_report.response_share(now),
            "now": now,
        },
    )
