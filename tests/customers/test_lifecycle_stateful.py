"""Random sequences of lifecycle actions through the real services, invariants after each step.

Invariants (checked after every step, on every subscription):
- never active without a recorded deposit: deposit_paid_at set AND the deposit invoice paid;
- every state change has exactly one STATE_CHANGED event, from/to matching the change, and the
  chain of events ends in the current state;
- the access state written on the last event is access_state() of the current state;
- a refused action (illegal transition, failed guard, bad payment) changes nothing at all.

Each example runs inside a savepoint that is rolled back at its end (pytest-django's `db`
transaction stays open around the whole test), so examples do not see each other.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ispcare.accounts.roles import Role
from ispcare.billing.choices import InvoiceKind, InvoiceStatus
from ispcare.billing.models import Invoice
from ispcare.billing.services import payment_record
from ispcare.common.errors import Conflict, DomainError, ValidationFailed
from ispcare.customers.choices import ApplicationStatus, EventKind
from ispcare.customers.choices import SubscriptionState as S
from ispcare.customers.lifecycle import MACHINE, access_state, subscription_transition
from ispcare.customers.models import Application, Equipment, Event, Subscription
from ispcare.customers.services import registration_approve, registration_reject
from ispcare.workorders.models import WorkOrder
from ispcare.workorders.services import installation_complete, installation_schedule
from tests import factories
from tests.factories import row_counts

pytestmark = pytest.mark.django_db

ACTIONS = sorted(MACHINE.transitions)
_refs = itertools.count(1)


class _Rollback(Exception):
    pass


class Sub:
    """What the model expects of one subscription."""

    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.state = S.PENDING_INSTALLATION
        self.changes: list[tuple[str, str]] = []
        self.deposit_paid = False
        self.order_id: int | None = None

    @property
    def installed(self) -> bool:  # installation completed: the deposit invoice exists
        return any(t == S.AWAITING_DEPOSIT for _, t in self.changes)

    def move(self, target: str) -> None:
        self.changes.append((self.state, target))
        event(f"{self.state} -> {target}")  # what the examples reached (statistics)
        self.state = target


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        factories.coverage()
        self.registration = factories.staff_user(Role.REGISTRATION)
        self.technician = factories.staff_user(Role.TECHNICIAN)
        self.finance = factories.staff_user(Role.FINANCE)
        self.open_apps: list[int] = []
        self.reviewed_apps: list[int] = []
        self.subs: list[Sub] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------------------

    def _refused(self, call, *, code: str | None = None, error=Conflict) -> None:
        """`call` must raise `error` (with `code`) and leave every table as it was."""
        before = row_counts()
        snapshot = list(Subscription.objects.order_by("pk").values())
        invoices = list(Invoice.objects.order_by("pk").values())
        try:
            call()
        except error as exc:
            if code is not None:
                assert exc.code == code, (exc.code, code)
        else:
            raise AssertionError(f"expected {error.__name__} {code or ''}")
        assert row_counts() == before
        assert list(Subscription.objects.order_by("pk").values()) == snapshot
        assert list(Invoice.objects.order_by("pk").values()) == invoices

    def _pick(self, i: int) -> Sub:
        return self.subs[i % len(self.subs)]

    def _expected(self, sub: Sub, action: str) -> tuple[str | None, str]:
        """(target, "") when legal, or (None, error code) when the service must refuse."""
        t = MACHINE.transitions[action]
        if sub.state not in t.sources:
            return None, "subscription.illegal_transition"
        if action in ("activate", "restore") and not sub.deposit_paid:
            return None, "subscription.guard_failed"
        if action == "complete_installation":  # never any equipment before installation_complete
            return None, "subscription.guard_failed"
        return t.target, ""

    def _deposit(self, sub: Sub) -> Invoice | None:
        return Invoice.objects.filter(subscription_id=sub.pk, kind=InvoiceKind.DEPOSIT).first()

    # --- registration ------------------------------------------------------------------------

    @initialize()
    def three_approved_subscriptions(self) -> None:
        """Start with three customers, so the examples spend their steps on the lifecycle."""
        for _ in range(3):
            customer = registration_approve(
                application_id=factories.submit().pk, actor=self.registration
            )
            self.reviewed_apps.append(customer.application_id)
            self.subs.append(Sub(customer.subscriptions.get().pk))

    @precondition(lambda self: len(self.open_apps) + len(self.subs) < 5)
    @rule()
    def register(self) -> None:
        self.open_apps.append(factories.submit().pk)

    @precondition(lambda self: self.open_apps)
    @rule(i=st.integers(0, 3))
    def approve(self, i: int) -> None:
        app_id = self.open_apps.pop(i % len(self.open_apps))
        customer = registration_approve(application_id=app_id, actor=self.registration)
        self.reviewed_apps.append(app_id)
        self.subs.append(Sub(customer.subscriptions.get().pk))

    @precondition(lambda self: self.open_apps)
    @rule(i=st.integers(0, 3))
    def reject(self, i: int) -> None:
        app_id = self.open_apps.pop(i % len(self.open_apps))
        registration_reject(application_id=app_id, actor=self.registration, reason="Tidak valid")
        self.reviewed_apps.append(app_id)

    @precondition(lambda self: self.reviewed_apps)
    @rule(i=st.integers(0, 3), approve=st.booleans())
    def review_again(self, i: int, approve: bool) -> None:
        app_id = self.reviewed_apps[i % len(self.reviewed_apps)]
        if approve:
            call = lambda: registration_approve(application_id=app_id, actor=self.registration)  # noqa: E731
        else:
            call = lambda: registration_reject(  # noqa: E731
                application_id=app_id, actor=self.registration, reason="Sekali lagi"
            )
        self._refused(call, code="application.already_reviewed")

    # --- installation ------------------------------------------------------------------------

    @precondition(lambda self: self.subs)
    @rule(i=st.integers(0, 3))
    def schedule(self, i: int) -> None:
        sub = self._pick(i)
        call = lambda: installation_schedule(  # noqa: E731
            subscription_id=sub.pk,
            date=timezone.localdate(),
            technician_id=self.technician.pk,
            actor=self.registration,
        )
        if sub.state != S.PENDING_INSTALLATION:
            self._refused(call, code="installation.not_pending")
            return
        order = call()
        assert sub.order_id in (None, order.pk)  # rescheduling moves the same job
        sub.order_id = order.pk

    @precondition(lambda self: self.subs)
    @rule(i=st.integers(0, 3), wrong_amount=st.sampled_from([False, False, True]))
    def complete_installation(self, i: int, wrong_amount: bool) -> None:
        """The technician's visit; scheduled first (by the same service) if it was not yet."""
        sub = self._pick(i)
        if sub.order_id is None:
            if sub.state != S.PENDING_INSTALLATION:
                return  # cancelled before scheduling: no job to complete
            self.schedule(i)
        order = WorkOrder.objects.get(pk=sub.order_id)
        fee = Subscription.objects.get(pk=sub.pk).plan.installation_fee
        device = factories.equipment()
        call = lambda amount: installation_complete(  # noqa: E731
            work_order_id=order.pk,
            actor=self.technician,
            serials=[device.serial],
            amount=amount,
            method="cash",
            receipt_number=f"KW-{next(_refs)}",
        )
        if order.status != "scheduled":
            self._refused(lambda: call(fee), code="work_order.not_open")
            return
        if wrong_amount:
            self._refused(lambda: call(fee - 1), error=ValidationFailed)
            return
        if sub.state != S.PENDING_INSTALLATION:
            # Cancelled after scheduling: the job is still open, but the lifecycle refuses, and
            # the equipment and payment written before that check are rolled back with it.
            self._refused(lambda: call(fee), code="subscription.illegal_transition")
            return
        call(fee)
        sub.move(S.AWAITING_DEPOSIT)

    # --- deposit -------------------------------------------------------------------------------

    @precondition(lambda self: any(s.installed for s in self.subs))
    @rule(i=st.integers(0, 3), share=st.sampled_from([100, 100, 50, 30, 1, 101]))
    def pay_deposit(self, i: int, share: int) -> None:
        """Finance records (part of) the deposit; 101% pays it and leaves the rest as credit."""
        installed = [s for s in self.subs if s.installed]
        sub = installed[i % len(installed)]
        invoice = self._deposit(sub)
        balance = invoice.balance
        amount = max(1, invoice.amount * share // 100) if share != 100 else balance or 1
        call = lambda: payment_record(  # noqa: E731
            invoice_id=invoice.pk,
            amount=amount,
            method="bank_transfer",
            reference=f"TRF-{next(_refs)}",
            actor=self.finance,
        )
        if invoice.status == InvoiceStatus.PAID:
            self._refused(call, code="invoice.not_open")
            return
        call()
        if amount >= balance:
            sub.deposit_paid = True
            if sub.state == S.AWAITING_DEPOSIT:
                sub.move(S.ACTIVE)

    # --- any lifecycle action, legal or not ---------------------------------------------------

    @precondition(lambda self: self.subs)
    @rule(i=st.integers(0, 3), action=st.sampled_from(ACTIONS))
    def transition(self, i: int, action: str) -> None:
        sub = self._pick(i)
        target, code = self._expected(sub, action)
        call = lambda: subscription_transition(  # noqa: E731
            subscription_id=sub.pk, action=action, actor=self.finance, reason=action
        )
        if target is None:
            event(f"refused {action} in {sub.state}: {code}")
            self._refused(call, code=code)
            return
        assert call().state == target
        sub.move(target)

    @precondition(lambda self: self.subs)
    @rule(i=st.integers(0, 3), data=st.data())
    def transition_from_the_table(self, i: int, data) -> None:
        """Like `transition`, but an action the table lists for the current state (guards may
        still refuse it): without it, random actions seldom get past the first states."""
        sub = self._pick(i)
        # Cancel and close end a subscription; `transition` still tries them often enough.
        actions = [a for a in MACHINE.actions_from(sub.state) if a not in ("cancel", "close")]
        if actions:
            self.transition(i, data.draw(st.sampled_from(actions), label="action"))

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def invariants(self) -> None:
        """All invariants in one pass, with one query per table (they run after every step)."""
        rows = {r.pk: r for r in Subscription.objects.all()}
        deposits = {i.subscription_id: i for i in Invoice.objects.filter(kind=InvoiceKind.DEPOSIT)}
        changes: dict[int, list] = {}
        for sub_id, f, t, data in (
            Event.objects.filter(kind=EventKind.STATE_CHANGED)
            .order_by("id")
            .values_list("subscription_id", "from_state", "to_state", "data")
        ):
            changes.setdefault(sub_id, []).append((f, t, data))
        with_devices = set(
            Equipment.objects.filter(status="installed").values_list("subscription_id", flat=True)
        )

        # Never active without a recorded deposit: deposit_paid_at AND the invoice paid.
        for row in rows.values():
            if row.state == S.ACTIVE:
                assert row.deposit_paid_at is not None, row
                deposit = deposits[row.pk]
                assert deposit.status == InvoiceStatus.PAID and deposit.balance == 0, row

        for sub in self.subs:
            row = rows[sub.pk]
            # The model and the database agree.
            assert row.state == sub.state
            assert (row.deposit_paid_at is not None) == sub.deposit_paid
            # Every state change has exactly one event, with matching from/to, in order.
            events = changes.get(sub.pk, [])
            assert [(f, t) for f, t, _ in events] == sub.changes
            # The access state on the last change is what access_state says now.
            if events:
                assert events[-1][2]["access"] == access_state(sub.state).value
            # Equipment is out, and a deposit invoice exists, exactly after installation.
            assert (sub.pk in with_devices) == sub.installed
            assert (sub.pk in deposits) == sub.installed

        assert Application.objects.filter(status=ApplicationStatus.SUBMITTED).count() == len(
            self.open_apps
        )


def test_lifecycle_state_machine(db):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        LifecycleMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# Keep DomainError imported for readers: every refusal above is one of its subclasses.
assert issubclass(Conflict, DomainError) and issubclass(ValidationFailed, DomainError)
