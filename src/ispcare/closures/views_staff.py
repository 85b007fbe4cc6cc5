"""The closing team's queue, the closing panel of the staff customer page, and what the
other staff views share. One request's page and its actions are in views_staff_detail.py;
the check-in, settlement, new-request and price-list pages in views_staff_forms.py."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.money import format_rupiah
from ispcare.customers.models import Customer

from . import selectors
from .choices import ClosureStatus
from .models import Closure

PAGE_SIZE = 50
# Service field names that differ from the forms'.
_FIELD_MAP = {"technician_id": "technician"}


def _closure(pk: int) -> Closure:
    try:
        return selectors.closure_for_page(pk)
    except Closure.DoesNotExist:
        raise Http404 from None


def detail_url(pk: int, anchor: str = "") -> str:
    return reverse("closures:closure_detail", args=[pk]) + anchor


def not_open_message(closure: Closure) -> str:
    return _("Request %(number)s is %(status)s: nothing more can be done on it.") % {
        "number": closure.number,
        "status": closure.get_status_display().lower(),
    }


# The queue ----------------------------------------------------------------------------


def _money_state(row: Closure) -> tuple[str, str]:
    """(tone, text) of a request's money in the queue."""
    s = getattr(row, "settlement", None)
    if row.written_off:
        return "muted", _("Written off %(amount)s") % {"amount": format_rupiah(row.written_off)}
    if s is None:
        return "muted", _("Not settled yet")
    if s.refund_id:
        return "ok", _("Refund paid")
    if s.refund_due:
        return "warn", _("Refund due %(amount)s") % {"amount": format_rupiah(s.refund_due)}
    if s.balance_left:
        return "bad", _("Owes %(amount)s") % {"amount": format_rupiah(s.balance_left)}
    return "ok", _("Nothing due")


@capability_required("closures.view")
def queue(request):
    f = selectors.QueueFilter.from_query(request.GET)
    today = timezone.localdate()
    page = Paginator(selectors.queue(f), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.days_left = (row.end_date - today).days
        row.days_late = max(-row.days_left, 0)
        row.running = row.status in (ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS)
        row.money_tone, row.money_text = _money_state(row)
    counts = selectors.status_counts()
    figures = selectors.queue_figures(today=today, counts=counts)
    keep = {"q": f.q} if f.q else {}
    tabs = [
        {
            "value": "",
            "label": _("All open requests"),
            "count": figures.open,
            "on": f.status == "",
            "url": "?" + urlencode(keep) if keep else "?",
        }
    ] + [
        {
            "value": s,
            "label": ClosureStatus(s).label,
            "count": counts[s],
            "on": f.status == s,
            "url": "?" + urlencode({"status": s, **keep}),
        }
        for s in selectors.QUEUE_TABS
    ]
    return render(
        request,
        "closures/staff/queue.html",
        {
            "f": f,
            "page": page,
            "tabs": tabs,
            "figures": figures,
            "today": today,
            "can_work": has_capability(request.user, "closures.work"),
        },
    )


# The staff customer page's panel ------------------------------------------------------


@capability_required("closures.view")
def customer_panel(request, customer_pk: int):
    """Fragment for the staff customer page (loaded by htmx): the customer's termination
    requests, or a link to record one."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    rows = selectors.closures_of_customer(customer)
    can_work = has_capability(request.user, "closures.work")
    open_row = next((r for r in rows if r.is_open), None)
    return render(
        request,
        "closures/staff/customer_panel.html",
        {
            "customer": customer,
            "rows": rows,
            "open_row": open_row,
            "past": [r for r in rows if r is not open_row][:5],
            "can_new": can_work and bool(selectors.terminable_subscriptions(customer)),
        },
    )
