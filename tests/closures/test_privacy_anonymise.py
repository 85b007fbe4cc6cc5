"""Anonymisation after the retention period (UU PDP, decision 0019): a customer closed long
enough ago leaves no personal value in any column of any table, their financial records
are untouched, customers still in retention or still active are untouched, and a second
run changes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.files.storage import default_storage
from django.utils import timezone

from ispcare.billing.models import Allocation, Invoice, InvoiceLine, Payment
from ispcare.closures.privacy import (
    due_customers,
    privacy_anonymise,
    privacy_anonymise_due,
    privacy_summary,
)
from ispcare.common.models import PersonalDataErasure
from ispcare.common.privacy import REDACTED, pseudonym_for
from ispcare.customers.choices import EventKind
from ispcare.customers.models import Customer, Event, Subscription
from ispcare.helpdesk.models import ChatMessage, Ticket

from .test_privacy_support import close, hits, person, snapshot

pytestmark = pytest.mark.django_db

RETENTION = 730


@pytest.fixture
def world(onboarding, settings, tmp_path):
    """Two customers closed 800 days ago (due), one closed 30 days ago, one active."""
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVACY_RETENTION_DAYS = RETENTION
    due = [
        person(onboarding, "Wiwik Sulastriningsih", "Jl. Cendana Wangi No. 17"),
        person(onboarding, "Bambang Triwahyudi", "Jl. Flamboyan Raya No. 4"),
    ]
    recent = person(onboarding, "Ratna Puspitasari", "Jl. Anggrek Bulan No. 8")
    active = person(onboarding, "Heru Kurniawan", "Jl. Melati Putih No. 3")
    for p in due:
        close(p, days_ago=800)
    close(recent, days_ago=30)
    return {"due": due, "recent": recent, "active": active}


def _financial(customer) -> dict[str, list]:
    return {
        "invoices": list(
            Invoice.objects.filter(customer=customer)
            .order_by("pk")
            .values_list(
                "number",
                "kind",
                "subtotal",
                "tax",
                "amount",
                "amount_paid",
                "status",
                "issued_at",
                "due_date",
                "paid_at",
                "period_start",
                "period_end",
            )
        ),
        "lines": list(
            InvoiceLine.objects.filter(invoice__customer=customer)
            .order_by("pk")
            .values_list("invoice_id", "kind", "amount", "taxable")
        ),
        "payments": list(
            Payment.objects.filter(customer=customer)
            .order_by("pk")
            .values_list(
                "amount",
                "unallocated",
                "method",
                "reference",
                "received_at",
                "invoice_id",
                "proof",
            )
        ),
        "allocations": list(
            Allocation.objects.filter(payment__customer=customer)
            .order_by("pk")
            .values_list("payment_id", "invoice_id", "amount")
        ),
        "number": [Customer.objects.get(pk=customer.pk).number],
    }


def test_the_walk_finds_their_values_everywhere_before(world):
    """The check below is not vacuous: before the run, the walk finds the customer's
    values in every app's tables."""
    tables = {label for label, _pk, _col in hits(world["due"][0])}
    assert {
        "accounts.User",
        "customers.Customer",
        "customers.Application",
        "customers.Event",
        "notifications.Notification",
        "notifications.WhatsAppContact",
        "billing.Payment",
        "billing.GatewayEvent",
        "workorders.WorkOrder",
        "helpdesk.Ticket",
        "helpdesk.TicketUpdate",
        "helpdesk.ComplaintRecord",
        "helpdesk.CustomerContact",
        "helpdesk.Conversation",
        "helpdesk.ChatMessage",
    } <= tables


def test_anonymises_the_due_and_leaves_no_personal_value_in_any_column(
    world, django_capture_on_commit_callbacks
):
    target, second = world["due"]
    others = [world["recent"], world["active"]]
    others_before = {p.name: hits(p) for p in others}
    financial_before = _financial(target.customer)
    images = list(
        ChatMessage.objects.filter(conversation__customer=target.customer)
        .exclude(attachment="")
        .values_list("attachment", flat=True)
    )
    assert images and all(default_storage.exists(name) for name in images)
    ticket_states = list(
        Ticket.objects.filter(customer=target.customer)
        .order_by("pk")
        .values_list("number", "kind", "status", "created_at", "first_responded_at")
    )

    with django_capture_on_commit_callbacks(execute=True):
        done = privacy_anonymise_due()

    assert done == 2
    # Column by column, in every table: nothing of theirs is left.
    for p in (target, second):
        assert hits(p) == set(), f"{p.name}: personal values left behind"
    # The others' values are all still where they were.
    for p in others:
        assert hits(p) == others_before[p.name], f"{p.name} was touched"
        assert not PersonalDataErasure.objects.filter(subject_id=p.customer.pk).exists()
    # Money and its documents: unchanged, still under the customer number.
    assert _financial(target.customer) == financial_before
    proofs = [row[-1] for row in financial_before["payments"] if row[-1]]
    assert proofs and all(default_storage.exists(name) for name in proofs)
    # Chat images are deleted with the transaction's commit.
    assert not any(default_storage.exists(name) for name in images)
    # Tickets still count for the SLA reports: same rows, kinds, statuses and times.
    assert (
        list(
            Ticket.objects.filter(customer=target.customer)
            .order_by("pk")
            .values_list("number", "kind", "status", "created_at", "first_responded_at")
        )
        == ticket_states
    )
    assert set(
        Ticket.objects.filter(customer=target.customer).values_list("subject", flat=True)
    ) == {REDACTED}


def test_the_anonymised_record(world, django_capture_on_commit_callbacks):
    target, second = world["due"]
    with django_capture_on_commit_callbacks(execute=True):
        privacy_anonymise_due()
    customer = Customer.objects.select_related("user").get(pk=target.customer.pk)
    pseudonym = pseudonym_for(customer.number)
    assert customer.full_name == pseudonym
    assert customer.number == target.customer.number  # the financial key stays
    # Unique columns: unique pseudonymous values that fit.
    nik_a, nik_b = Customer.objects.filter(
        pk__in=[target.customer.pk, second.customer.pk]
    ).values_list("nik", flat=True)
    assert nik_a != nik_b and len(nik_a) == len(nik_b) == 16
    assert customer.kelurahan == "Caturtunggal"  # the area stays for statistics
    assert customer.notify_channels == ""
    # The portal login is gone.
    user = customer.user
    assert not user.is_active and not user.has_usable_password()
    assert user.first_name == pseudonym and user.email == ""
    assert authenticate(username=customer.number, password="anything") is None
    # PPPoE: a new random password, the number-derived username kept.
    sub = Subscription.objects.get(pk=target.subscription.pk)
    assert sub.pppoe_password != target.subscription.pppoe_password
    assert sub.pppoe_username == target.subscription.pppoe_username
    # What staff see: the erasure record and an event on the history.
    record = PersonalDataErasure.objects.get(subject="customer", subject_id=customer.pk)
    assert record.label == customer.number and record.pseudonym == pseudonym
    assert record.actor is None and record.actor_label == "job"
    assert {"accounts", "customers", "notifications", "billing", "workorders", "helpdesk"} <= set(
        record.fields
    )
    assert record.fields["customers"]["customers.Customer"]["rows"] == 1
    assert "nik" in record.fields["customers"]["customers.Customer"]["columns"]
    assert record.fields["helpdesk"]["helpdesk.ChatMessage"]["rows"] >= 2
    event = Event.objects.get(customer=customer, kind=EventKind.DATA_ANONYMISED)
    assert event.data["pseudonym"] == pseudonym
    # The audit trail still reads: kinds and states kept, free text gone.
    kinds = set(Event.objects.filter(customer=customer).values_list("kind", flat=True))
    assert {
        EventKind.CUSTOMER_CREATED,
        EventKind.STATE_CHANGED,
        EventKind.PAYMENT_RECORDED,
    } <= kinds
    closed = Event.objects.get(customer=customer, kind=EventKind.STATE_CHANGED, to_state="closed")
    assert closed.reason == REDACTED


def test_a_second_run_changes_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_anonymise_due() == 2
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_anonymise_due() == 0
        # Asking for them by id again: not due any more, nothing done.
        assert privacy_anonymise(customer_ids=[p.customer.pk for p in world["due"]]) == []
    assert snapshot() == before


def test_who_is_due(world):
    due = {p.customer.pk for p in world["due"]}
    assert set(due_customers().values_list("pk", flat=True)) == due
    # The retention period is a setting: the recently closed one is due 700 days later.
    later = timezone.now() + dt.timedelta(days=701)
    assert world["recent"].customer.pk in set(due_customers(now=later).values_list("pk", flat=True))
    # Never someone with a subscription that is not cancelled or closed, however late.
    assert world["active"].customer.pk not in set(
        due_customers(now=later).values_list("pk", flat=True)
    )
    assert privacy_summary()["due"] == 2


def test_a_customer_with_one_open_subscription_is_not_due(world, plan):
    target = world["due"][0]
    Subscription.objects.create(
        customer=target.customer,
        plan=plan,
        pppoe_username=f"{target.subscription.pppoe_username}-2",
        pppoe_password="pw",
        state="active",
        state_changed_at=timezone.now() - dt.timedelta(days=900),
    )
    assert target.customer.pk not in set(due_customers().values_list("pk", flat=True))
    before = hits(target)
    privacy_anonymise_due()
    assert hits(target) == before


def test_the_job_works_in_batches(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_anonymise_due(batch=1) == 2
    assert PersonalDataErasure.objects.count() == 2
    for p in world["due"]:
        assert hits(p) == set()


def test_a_staff_member_with_the_same_first_name_keeps_their_label(
    world, staff, django_capture_on_commit_callbacks
):
    from ispcare.accounts.roles import Role
    from ispcare.customers.events import event_record

    target = world["due"][0]
    namesake = staff(Role.MANAGER, first_name="Wiwik", last_name="Staf")
    event = event_record(
        customer=target.customer, kind=EventKind.NODE_CHANGED, actor=namesake, reason="x"
    )
    label = event.actor_label
    assert label.startswith("Wiwik Staf")
    with django_capture_on_commit_callbacks(execute=True):
        privacy_anonymise_due()
    event.refresh_from_db()
    assert event.actor_label == label and event.actor == namesake
    assert event.reason == REDACTED
    # The customer's own actions lose their name ("<name> (Pendaftar)" -> pseudonym).
    submitted = Event.objects.get(customer=target.customer, kind=EventKind.APPLICATION_SUBMITTED)
    assert submitted.actor_label.startswith(pseudonym_for(target.customer.number))
