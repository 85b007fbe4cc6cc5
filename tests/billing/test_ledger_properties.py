"""Random sequences of invoices, payments, credits, voids and dunning runs through the
real services; after every step:

- the ledger's closing balance equals the balance from open invoices and unused credit;
- every rupiah received is allocated to an invoice or kept as credit, never both or lost;
- each invoice's paid amount is the sum of its allocations, and its status follows;
- after an isolation run, the subscription is isolated for non-payment if and only if
  one of its invoices is unpaid past the grace period; a payment never leaves it
  isolated for non-payment with nothing overdue.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ispcare.accounts.roles import Role
from ispcare.billing.choices import DUNNING_KINDS, OPEN_STATUSES, InvoiceKind, InvoiceStatus
from ispcare.billing.dunning import isolation_run
from ispcare.billing.invoicing import adjustment_add, invoice_issue, invoice_void
from ispcare.billing.ledger import balance, ledger
from ispcare.billing.models import Allocation, Invoice, Payment
from ispcare.billing.payments import payment_record
from ispcare.billing.periods import overdue_cutoff
from ispcare.customers.choices import IsolationCause, SubscriptionState
from ispcare.customers.models import Subscription
from tests import factories

_refs = itertools.count(1)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        factories.coverage()
        onboarding = factories.Onboarding()
        self.finance = onboarding.finance
        self.manager = factories.staff_user(Role.MANAGER)
        self.customer, self.sub = onboarding.active()
        self.checked_isolation = False

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @rule(
        days_ago=st.integers(-10, 60),
        amount=st.integers(1, 400_000),
        with_credits=st.booleans(),
    )
    def issue(self, days_ago: int, amount: int, with_credits: bool) -> None:
        invoice_issue(
            subscription=self.sub,
            kind=InvoiceKind.MONTHLY,
            amount=amount,
            description="Bulanan",
            due_date=timezone.localdate() - dt.timedelta(days=days_ago),
            actor=self.finance,
            adjustments=with_credits,
        )
        self.checked_isolation = False

    @rule(amount=st.integers(1, 600_000), for_invoice=st.booleans())
    def pay(self, amount: int, for_invoice: bool) -> None:
        target = (
            Invoice.objects.filter(customer=self.customer, status__in=OPEN_STATUSES)
            .order_by("-id")
            .first()
        )
        payment_record(
            customer_id=self.customer.pk,
            invoice_id=target.pk if (for_invoice and target) else None,
            amount=amount,
            method="bank_transfer",
            reference=f"P-{next(_refs)}",
            actor=self.finance,
        )

    @rule()
    def pay_everything(self) -> None:
        """What most customers do: pay exactly what is open."""
        owed = balance(customer_id=self.customer.pk)
        if owed > 0:
            payment_record(
                customer_id=self.customer.pk,
                amount=owed,
                method="cash",
                reference=f"K-{next(_refs)}",
                actor=self.finance,
            )

    @rule(amount=st.integers(1, 300_000))
    def credit(self, amount: int) -> None:
        adjustment_add(
            customer_id=self.customer.pk,
            amount=-amount,
            kind="compensation",
            description="Kompensasi",
            actor=self.finance,
        )

    @precondition(lambda self: Invoice.objects.exclude(status=InvoiceStatus.VOID).exists())
    @rule(pick=st.integers(0, 50))
    def void(self, pick: int) -> None:
        rows = list(
            Invoice.objects.filter(customer=self.customer, kind=InvoiceKind.MONTHLY)
            .exclude(status=InvoiceStatus.VOID)
            .order_by("id")
        )
        if rows:
            invoice_void(invoice_id=rows[pick % len(rows)].pk, reason="salah", actor=self.manager)

    @rule()
    def dunning(self) -> None:
        isolation_run()
        self.checked_isolation = True

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def ledger_adds_up(self) -> None:
        entries = ledger(customer_id=self.customer.pk)
        closing = entries[-1].balance if entries else 0
        assert closing == sum(e.debit - e.credit for e in entries)
        assert closing == balance(customer_id=self.customer.pk)

    @invariant()
    def money_is_allocated_or_credit(self) -> None:
        received = Payment.objects.filter(customer=self.customer).aggregate(
            a=Sum("amount"), u=Sum("unallocated")
        )
        allocated = Allocation.objects.filter(payment__customer=self.customer).aggregate(
            s=Sum("amount")
        )["s"]
        assert (received["a"] or 0) == (allocated or 0) + (received["u"] or 0)
        credit = received["u"] or 0
        if credit:  # credit is only kept while nothing is left to pay
            assert not Invoice.objects.filter(
                customer=self.customer, status__in=OPEN_STATUSES
            ).exists()

    @invariant()
    def invoices_match_their_allocations(self) -> None:
        for inv in Invoice.objects.filter(customer=self.customer):
            allocated = inv.allocations.aggregate(s=Sum("amount"))["s"] or 0
            assert inv.amount_paid == allocated, inv.number
            if inv.status == InvoiceStatus.VOID:
                assert allocated == 0
            elif allocated == inv.amount:
                assert inv.status == InvoiceStatus.PAID
            elif allocated:
                assert inv.status == InvoiceStatus.PARTIALLY_PAID
            else:
                assert inv.status == InvoiceStatus.ISSUED

    @invariant()
    def isolated_for_non_payment_iff_overdue(self) -> None:
        sub = Subscription.objects.get(pk=self.sub.pk)
        cutoff = overdue_cutoff(timezone.localdate())
        overdue = Invoice.objects.filter(
            subscription=sub, status__in=OPEN_STATUSES, kind__in=DUNNING_KINDS, due_date__lte=cutoff
        ).exists()
        isolated = (
            sub.state == SubscriptionState.ISOLATED
            and sub.isolation_cause == IsolationCause.OVERDUE
        )
        if isolated:
            assert overdue
        if self.checked_isolation:
            assert isolated == overdue


def test_ledger_and_isolation_properties(db, settings):
    settings.BILLING_GRACE_DAYS = 5
    settings.BILLING_GRACE_WORKING_DAYS = False
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        LedgerMachine,
        settings=hypothesis_settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
