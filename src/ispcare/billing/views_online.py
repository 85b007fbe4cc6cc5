"""Staff: online payments. Payment links (flagged ones first: finance records those by
hand through the invoice's payment form) and every gateway notification with its outcome."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability

from .choices import OPEN_STATUSES
from .models import GatewayEvent, Invoice, PaymentLink
from .models.gateway import LinkStatus
from .online import LABELS, Outcome

PAGE_SIZE = 50
BADGE = {  # link status / event outcome -> badge class of ispcare.css
    LinkStatus.PENDING: "warn",
    LinkStatus.PAID: "ok",
    LinkStatus.EXPIRED: "void",
    LinkStatus.FAILED: "failed",
    LinkStatus.FLAGGED: "bad",
    Outcome.APPLIED: "ok",
    Outcome.NOTED: "pending_installation",
    Outcome.DUPLICATE: "void",
    Outcome.STALE: "void",
    Outcome.FLAGGED: "bad",
    Outcome.UNKNOWN: "warn",
    Outcome.IGNORED: "warn",
}
OUTCOMES = [
    (Outcome.FLAGGED, _l("Flagged")),
    (Outcome.APPLIED, _l("Payment recorded")),
    (Outcome.NOTED, _l("Status noted")),
    (Outcome.DUPLICATE, _l("Duplicate")),
    (Outcome.STALE, _l("Out of order")),
    (Outcome.UNKNOWN, _l("Unknown order")),
    (Outcome.IGNORED, _l("Not automatic")),
    ("waiting", _l("Not applied yet")),
]


def _tabs(choices, current: str, counts: dict) -> list[dict]:
    tabs = [{"value": "", "label": _("All"), "on": current == "", "count": sum(counts.values())}]
    for value, label in choices:
        tabs.append(
            {"value": value, "label": label, "on": value == current, "count": counts.get(value, 0)}
        )
    return tabs


@capability_required("billing.view")
def links(request):
    status = request.GET.get("status", "")
    if status not in LinkStatus.values:
        status = ""
    counts = dict(
        PaymentLink.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    rows = PaymentLink.objects.select_related("customer", "payment")
    if status:
        rows = rows.filter(status=status)
    flagged_first = Case(
        When(status=LinkStatus.FLAGGED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    page = Paginator(rows.order_by(flagged_first, "-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # For each flagged link on the page: the open invoice to record its payment on by hand.
    wanted = {pk for link in page if link.status == LinkStatus.FLAGGED for pk in link.invoice_ids}
    open_invoices = {
        i.pk: i
        for i in Invoice.objects.filter(pk__in=wanted, status__in=OPEN_STATUSES).order_by(
            "due_date", "id"
        )
    }
    for link in page:
        link.badge = BADGE.get(link.status, "")
        link.gateway_label = LABELS.get(link.gateway, link.gateway)
        link.record_on = next(
            (open_invoices[pk] for pk in link.invoice_ids if pk in open_invoices), None
        )
    return render(
        request,
        "billing/staff/online_links.html",
        {
            "page": page,
            "status": status,
            "tabs": _tabs(LinkStatus.choices, status, counts),
            "can_record": has_capability(request.user, "billing.record_payment"),
        },
    )


@capability_required("billing.view")
def events(request):
    outcome = request.GET.get("outcome", "")
    if outcome not in dict(OUTCOMES):
        outcome = ""
    counts = dict(
        GatewayEvent.objects.values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    counts["waiting"] = counts.pop("", 0)
    rows = GatewayEvent.objects.all()
    if outcome == "waiting":
        rows = rows.filter(processed_at__isnull=True)
    elif outcome:
        rows = rows.filter(outcome=outcome)
    flagged_first = Case(
        When(outcome=Outcome.FLAGGED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    page = Paginator(rows.order_by(flagged_first, "-received_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for event in page:
        event.badge = BADGE.get(event.outcome, "warn")
        event.outcome_label = dict(OUTCOMES).get(event.outcome or "waiting", event.outcome)
        event.gateway_label = LABELS.get(event.gateway, event.gateway)
    return render(
        request,
        "billing/staff/online_events.html",
        {"page": page, "outcome": outcome, "tabs": _tabs(OUTCOMES, outcome, counts)},
    )
