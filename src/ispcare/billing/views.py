"""Staff billing pages: invoices (lines, tax, payments, void), recording payments for an
invoice or for a customer (with proof of transfer), where a payment went, the customer's
billing panel (balance, credit, pending credits and charges), plan prices.

Thin views: lists are read with their joins here, writes go to the services
(`payment_record`, `invoice_void`, `adjustment_add`, `plan_price_change`), whose errors
become field errors or a message. The PDFs and the proof download are in views_docs.py.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Q, Sum, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.errors import Conflict, DomainError
from ispcare.common.forms import errors_to_form
from ispcare.common.money import format_rupiah
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import Customer, Plan

from . import ledger, services
from .choices import OPEN_STATUSES, InvoiceKind, InvoiceStatus
from .forms import AdjustmentForm, PaymentForm, PlanPriceForm, VoidForm
from .models import Adjustment, Allocation, Invoice, Payment, PlanPrice
from .periods import months_add, period_of
from .pricing import prices_on
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
            "can_adjust": has_capability(request.user, "billing.adjust"),
        },
    )


def _invoice_page(request, invoice: Invoice, *, void_form: VoidForm | None = None, status=200):
    lines = list(invoice.lines.all())
    can_void = has_capability(request.user, "billing.void")
    return render(
        request,
        "billing/staff/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "payments": allocations_with_payment().filter(invoice=invoice),
            "is_open": invoice.status in OPEN_STATUSES,
            "can_record": has_capability(request.user, "billing.record_payment"),
            "can_void": can_void and invoice.status != InvoiceStatus.VOID,
            "void_form": void_form or VoidForm(),
            "tax_name": _tax_name(),
            "today": timezone.localdate(),
        },
        status=status,
    )


def _tax_name() -> str:
    return settings.BILLING_TAX_NAME or _("Tax")


@capability_required("billing.view")
def invoice_detail(request, pk: int):
    invoice = get_object_or_404(
        Invoice.objects.select_related("customer", "subscription__plan", "voided_by"), pk=pk
    )
    return _invoice_page(request, invoice)


@require_POST
@capability_required("billing.void")
def invoice_void(request, pk: int):
    invoice = get_object_or_404(
        Invoice.objects.select_related("customer", "subscription__plan", "voided_by"), pk=pk
    )
    form = VoidForm(request.POST)
    paid = invoice.amount_paid  # goes back to the customer's credit
    if form.is_valid():
        try:
            services.invoice_void(
                invoice_id=invoice.pk, reason=form.cleaned_data["reason"], actor=request.user
            )
        except DomainError as exc:
            if isinstance(exc, Conflict) and not exc.fields:  # voided meanwhile
                messages.error(request, str(exc.message))
                return redirect("billing:invoice_detail", pk=invoice.pk)
            errors_to_form(form, exc)
        else:
            text = _("Invoice %(number)s is void.") % {"number": invoice.number}
            if paid:
                text += " " + _(
                    "%(amount)s paid on it went back to the customer's credit and on to their "
                    "other open invoices."
                ) % {"amount": format_rupiah(paid)}
            messages.success(request, text)
            return redirect("billing:invoice_detail", pk=invoice.pk)
    return _invoice_page(request, invoice, void_form=form, status=422)


# --- payments -----------------------------------------------------------------------------


def _payment_page(request, *, customer: Customer, invoice: Invoice | None):
    initial = {"amount": invoice.balance if invoice else None}
    form = PaymentForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.payment_record(
                invoice_id=invoice.pk if invoice else None,
                customer_id=None if invoice else customer.pk,
                amount=data["amount"],
                method=data["method"],
                reference=data["reference"],
                note=data["note"],
                proof=data["proof"],
                received_at=data["received_on"],
                actor=request.user,
            )
        except DomainError as exc:
            if invoice is not None and isinstance(exc, Conflict) and not exc.fields:
                messages.error(request, str(exc.message))  # paid meanwhile
                return redirect("billing:invoice_detail", pk=invoice.pk)
            errors_to_form(form, exc)
        else:
            messages.success(request, _payment_message(payment, invoice))
            return redirect("billing:payment_detail", payment_pk=payment.pk)
    open_invoices = list(
        Invoice.objects.filter(customer=customer, status__in=OPEN_STATUSES).order_by(
            "due_date", "issued_at", "id"
        )
    )
    return render(
        request,
        "billing/staff/payment_form.html",
        {
            "form": form,
            "invoice": invoice,
            "customer": customer,
            "open_invoices": open_invoices,
            "owed": sum(i.balance for i in open_invoices),
            "credit": _credit(customer.pk),
            "proof_mb": round(settings.PAYMENT_PROOF_MAX_BYTES / 1024 / 1024, 1),
        },
        status=422 if request.method == "POST" else 200,
    )


def _payment_message(payment: Payment, invoice: Invoice | None) -> str:
    text = _("Payment of %(amount)s recorded.") % {"amount": format_rupiah(payment.amount)}
    if invoice is not None:
        invoice.refresh_from_db()
        text = _("Payment of %(amount)s recorded on %(number)s. Balance: %(balance)s.") % {
            "amount": format_rupiah(payment.amount),
            "number": invoice.number,
            "balance": format_rupiah(invoice.balance),
        }
    deposits = Invoice.objects.filter(
        allocations__payment=payment, kind=InvoiceKind.DEPOSIT, status=InvoiceStatus.PAID
    ).select_related("subscription")
    for deposit in deposits:
        if deposit.subscription.state == SubscriptionState.ACTIVE:
            text += " " + _(
                "The deposit is paid: the subscription of %(number)s is now active "
                "and the isolation is lifted."
            ) % {"number": payment.customer.number}
            break
    return text


@capability_required("billing.record_payment")
def payment_create(request, pk: int):
    """A payment for one invoice (it is paid first; anything above goes on oldest first)."""
    invoice = get_object_or_404(Invoice.objects.select_related("customer", "subscription"), pk=pk)
    if invoice.status not in OPEN_STATUSES:
        messages.error(
            request,
            _("This invoice is already %(status)s.")
            % {"status": invoice.get_status_display().lower()},
        )
        return redirect("billing:invoice_detail", pk=invoice.pk)
    return _payment_page(request, customer=invoice.customer, invoice=invoice)


@capability_required("billing.record_payment")
def customer_payment_create(request, customer_pk: int):
    """A payment for the customer's account: spread over open invoices oldest first, the
    rest kept as credit."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    return _payment_page(request, customer=customer, invoice=None)


@capability_required("billing.view")
def payment_detail(request, payment_pk: int):
    payment = get_object_or_404(
        Payment.objects.select_related("customer", "received_by", "invoice"), pk=payment_pk
    )
    allocations = list(payment.allocations.select_related("invoice").order_by("created_at", "id"))
    return render(
        request,
        "billing/staff/payment_detail.html",
        {
            "payment": payment,
            "allocations": allocations,
            "applied": payment.amount - payment.unallocated,
            "customer_credit": _credit(payment.customer_id),
            "customer_owed": services.open_balance(customer_id=payment.customer_id),
        },
    )


def _credit(customer_id: int) -> int:
    return Payment.objects.filter(customer_id=customer_id).aggregate(c=Sum("unallocated"))["c"] or 0


# --- the customer's billing -----------------------------------------------------------------


@capability_required("billing.view")
def customer_panel(request, customer_pk: int):
    """Fragment for the staff customer page (loaded by htmx): what is owed, the credit,
    credits and charges waiting for the next invoice, invoices and payments."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    unpaid_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    invoices = Invoice.objects.filter(customer=customer).order_by(unpaid_first, "-issued_at", "-id")
    balance = ledger.balance(customer_id=customer.pk)
    payments = (
        Payment.objects.filter(customer=customer)
        .select_related("received_by")
        .prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.select_related("invoice"))
        )
        .order_by("-received_at", "-id")[:20]
    )
    return render(
        request,
        "billing/staff/customer_panel.html",
        {
            "customer": customer,
            "invoices": invoices,
            "payments": payments,
            "pending": Adjustment.objects.filter(customer=customer, invoice__isnull=True),
            "owed": services.open_balance(customer_id=customer.pk),
            "credit": _credit(customer.pk),
            "balance": balance,
            "in_favour": -balance if balance < 0 else 0,
            "open_statuses": list(OPEN_STATUSES),
            "can_record": has_capability(request.user, "billing.record_payment"),
            "can_adjust": has_capability(request.user, "billing.adjust"),
            "today": timezone.localdate(),
        },
    )


@capability_required("billing.adjust")
def customer_adjust(request, customer_pk: int):
    """A credit (compensation, a correction in the customer's favour) or a charge for the
    customer's next invoice."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adjustment = services.adjustment_add(
                customer_id=customer.pk,
                amount=form.signed_amount(),
                kind=data["kind"],
                description=data["description"],
                actor=request.user,
            )
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            if adjustment.amount < 0:
                text = _("Credit of %(amount)s added: it is taken off the next invoice.")
            else:
                text = _("Charge of %(amount)s added: it is put on the next invoice.")
            messages.success(request, text % {"amount": format_rupiah(abs(adjustment.amount))})
            return redirect(
                reverse("staff:customer_detail", args=[customer.pk]) + "#invoices-panel"
            )
    return render(
        request,
        "billing/staff/adjustment_form.html",
        {
            "form": form,
            "customer": customer,
            "pending": Adjustment.objects.filter(customer=customer, invoice__isnull=True),
        },
        status=422 if request.method == "POST" else 200,
    )


# --- plan prices --------------------------------------------------------------------------


@capability_required("billing.adjust")
def plan_prices(request):
    """Each plan's price now and from the next period; a change applies from the next
    period and never touches issued invoices."""
    today = timezone.localdate()
    next_start = months_add(period_of(today)[0], 1)
    errors_for: int | None = None
    form = PlanPriceForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            plan_id = form.cleaned_data["plan"]
            plan = Plan.objects.filter(pk=plan_id).first()
            if plan is None:
                form.add_error("plan", _("Choose a plan."))
            else:
                try:
                    price = services.plan_price_change(
                        plan_id=plan.pk,
                        monthly_price=form.cleaned_data["monthly_price"],
                        actor=request.user,
                    )
                except DomainError as exc:
                    errors_to_form(form, exc)
                else:
                    messages.success(
                        request,
                        _("%(plan)s costs %(price)s a month from %(date)s.")
                        % {
                            "plan": plan.name,
                            "price": format_rupiah(price.monthly_price),
                            "date": _date(price.effective_from),
                        },
                    )
                    return redirect("billing:plan_prices")
        errors_for = form.data.get("plan")
        if not Plan.objects.filter(pk=form.cleaned_data.get("plan") or 0).exists():
            messages.error(request, _("Choose a plan."))
    now, upcoming = prices_on(today), prices_on(next_start)
    changes = {
        (p.plan_id): p
        for p in PlanPrice.objects.filter(effective_from=next_start).select_related("created_by")
    }
    rows = []
    for plan in Plan.objects.all():
        posted = str(plan.pk) == str(errors_for)
        rows.append(
            {
                "plan": plan,
                "now": now.get(plan.pk, plan.monthly_price),
                "next": upcoming.get(plan.pk, plan.monthly_price),
                "change": changes.get(plan.pk),
                "form": form
                if posted
                else PlanPriceForm(initial={"plan": plan.pk}, auto_id=f"id_plan{plan.pk}_%s"),
            }
        )
    return render(
        request,
        "billing/staff/plan_prices.html",
        {"rows": rows, "next_start": next_start},
        status=422 if request.method == "POST" else 200,
    )


def _date(day) -> str:
    from django.utils import formats

    return formats.date_format(day, "j F Y")
