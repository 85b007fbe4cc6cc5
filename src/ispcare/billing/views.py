"""Staff billing pages: invoices, recording payments, the customer's invoice panel.

Thin views: lists are read with their joins here, payments are written by
`services.payment_record`, whose errors become field errors or a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.errors import Conflict, DomainError
from ispcare.common.forms import errors_to_form
from ispcare.common.money import format_rupiah
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import Customer

from . import services
from .choices import OPEN_STATUSES, InvoiceKind, InvoiceStatus
from .forms import PaymentForm
from .models import Invoice
from .selectors import allocations_with_payment

PAGE_SIZE = 50
OPEN = "open"  # pseudo status in the filter: unpaid or partially paid


def _invoices(*, status: str, kind: str, q: str):
    rows = Invoice.objects.select_related("customer")
    if status == OPEN:
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(
            Q(number__icontains=q)
            | Q(customer__number__icontains=q)
            | Q(customer__full_name__icontains=q)
        )
    unpaid_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return rows.order_by(unpaid_first, "due_date", "-id")


@capability_required("billing.view")
def invoice_list(request):
    status = request.GET.get("status", "")
    if status != OPEN and status not in InvoiceStatus.values:
        status = ""
    kind = request.GET.get("kind", "")
    if kind not in InvoiceKind.values:
        kind = ""
    q = request.GET.get("q", "").strip()
    rows = _invoices(status=status, kind=kind, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    outstanding = rows.filter(status__in=OPEN_STATUSES).aggregate(
        total=Sum(F("amount") - F("amount_paid"))
    )["total"]
    tabs = [("", _("All")), (OPEN, _("All open")), *InvoiceStatus.choices]
    return render(
        request,
        "billing/staff/invoice_list.html",
        {
            "page": page,
            "status": status,
            "kind": kind,
            "q": q,
            "tabs": [{"value": v, "label": label, "on": v == status} for v, label in tabs],
            "kinds": InvoiceKind.choices,
            "outstanding": outstanding or 0,
            "today": timezone.localdate(),
        },
    )


@capability_required("billing.view")
def invoice_detail(request, pk: int):
    invoice = get_object_or_404(
        Invoice.objects.select_related("customer", "subscription__plan"), pk=pk
    )
    return render(
        request,
        "billing/staff/invoice_detail.html",
        {
            "invoice": invoice,
            "payments": allocations_with_payment().filter(invoice=invoice),
            "is_open": invoice.status in OPEN_STATUSES,
            "can_record": has_capability(request.user, "billing.record_payment"),
            "today": timezone.localdate(),
        },
    )


@capability_required("billing.record_payment")
def payment_create(request, pk: int):
    invoice = get_object_or_404(Invoice.objects.select_related("customer", "subscription"), pk=pk)
    if invoice.status not in OPEN_STATUSES:
        messages.error(
            request,
            _("This invoice is already %(status)s.")
            % {"status": invoice.get_status_display().lower()},
        )
        return redirect("billing:invoice_detail", pk=invoice.pk)
    form = PaymentForm(request.POST or None, initial={"amount": invoice.balance})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.payment_record(
                invoice_id=invoice.pk,
                amount=data["amount"],
                method=data["method"],
                reference=data["reference"],
                note=data["note"],
                actor=request.user,
            )
        except DomainError as exc:
            if isinstance(exc, Conflict) and not exc.fields:  # paid meanwhile
                messages.error(request, str(exc.message))
                return redirect("billing:invoice_detail", pk=invoice.pk)
            errors_to_form(form, exc)
        else:
            invoice.refresh_from_db()
            text = _("Payment of %(amount)s recorded on %(number)s. Balance: %(balance)s.") % {
                "amount": format_rupiah(data["amount"]),
                "number": invoice.number,
                "balance": format_rupiah(invoice.balance),
            }
            if invoice.kind == InvoiceKind.DEPOSIT and invoice.status == InvoiceStatus.PAID:
                invoice.subscription.refresh_from_db(fields=["state"])
                if invoice.subscription.state == SubscriptionState.ACTIVE:
                    text += " " + _(
                        "The deposit is paid: the subscription of %(number)s is now active "
                        "and the isolation is lifted."
                    ) % {"number": invoice.customer.number}
            messages.success(request, text)
            return redirect("billing:invoice_detail", pk=invoice.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "billing/staff/payment_form.html",
        {"form": form, "invoice": invoice},
        status=status,
    )


@capability_required("billing.view")
def customer_panel(request, customer_pk: int):
    """Fragment for the staff customer page (loaded by htmx)."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    unpaid_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    invoices = Invoice.objects.filter(customer=customer).order_by(unpaid_first, "-issued_at", "-id")
    return render(
        request,
        "billing/staff/customer_panel.html",
        {
            "customer": customer,
            "invoices": invoices,
            "open_statuses": list(OPEN_STATUSES),
            "can_record": has_capability(request.user, "billing.record_payment"),
            "today": timezone.localdate(),
        },
    )
