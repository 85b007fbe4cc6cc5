"""Complaints: refused without the complete record; resolved only with the solution and
action; closed only after the customer was told (a contact after the solution)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.common.errors import Conflict, NotFound, ValidationFailed
from ispcare.helpdesk.complaints import (
    complaint_investigate,
    complaint_solution,
    contact_record,
)
from ispcare.helpdesk.models import ComplaintRecord, CustomerContact, Ticket
from ispcare.helpdesk.tickets import ticket_create, ticket_transition

from .support import complaint, complaint_record, fault

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("missing", ["what_happened", "since", "location", "impact", "contact"])
def test_a_complaint_without_a_complete_record_is_not_saved(subscriber, agent, missing):
    customer, _ = subscriber
    with pytest.raises(ValidationFailed) as err:
        complaint(customer, agent, complaint=complaint_record(**{missing: ""}))
    assert list(err.value.fields) == [missing]
    assert not Ticket.objects.exists() and not ComplaintRecord.objects.exists()


def test_since_must_be_a_date_not_in_the_future(subscriber, agent):
    customer, _ = subscriber
    for bad in ("kemarin", (timezone.now() + dt.timedelta(days=1)).isoformat()):
        with pytest.raises(ValidationFailed) as err:
            complaint(customer, agent, complaint=complaint_record(since=bad))
        assert "since" in err.value.fields


def test_the_field_messages_are_indonesian_by_default(subscriber, agent):
    customer, _ = subscriber
    with pytest.raises(ValidationFailed) as err:
        complaint(customer, agent, complaint=complaint_record(impact=""))
    assert str(err.value.fields["impact"][0]) == "Kolom ini wajib diisi."


def test_resolve_needs_the_solution_and_close_needs_the_customer_told(subscriber, agent):
    customer, _ = subscriber
    ticket = complaint(customer, agent)
    with pytest.raises(Conflict) as err:
        ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent)
    assert err.value.code == "ticket.guard_failed"

    complaint_investigate(ticket_id=ticket.pk, actor=agent, notes="Pembayaran tercatat dua kali.")
    complaint_solution(
        ticket_id=ticket.pk,
        actor=agent,
        solution="Pembayaran kedua dijadikan kredit.",
        action_taken="Kredit Rp 250.000 untuk tagihan berikutnya.",
    )
    ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent)
    with pytest.raises(Conflict) as err:
        ticket_transition(ticket_id=ticket.pk, action="close", actor=agent)
    assert "told" in str(err.value) or "diberi tahu" in str(err.value)
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"

    contact_record(
        ticket_id=ticket.pk,
        actor=agent,
        channel="phone",
        summary="Dijelaskan lewat telepon: kredit untuk bulan depan.",
    )
    closed = ticket_transition(ticket_id=ticket.pk, action="close", actor=agent)
    assert closed.status == "closed" and closed.closed_at is not None
    assert ComplaintRecord.objects.get(ticket=ticket).investigation.endswith(
        "Pembayaran tercatat dua kali."
    )


def test_a_contact_before_the_solution_does_not_count(subscriber, agent):
    customer, _ = subscriber
    ticket = complaint(customer, agent)
    early = contact_record(
        ticket_id=ticket.pk, actor=agent, channel="whatsapp", summary="Sedang dicek"
    )
    CustomerContact.objects.filter(pk=early.pk).update(
        contacted_at=timezone.now() - dt.timedelta(minutes=1)
    )
    complaint_solution(ticket_id=ticket.pk, actor=agent, solution="S", action_taken="A")
    ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent)
    with pytest.raises(Conflict):
        ticket_transition(ticket_id=ticket.pk, action="close", actor=agent)


def test_contact_input_is_checked(subscriber, agent):
    customer, _ = subscriber
    ticket = complaint(customer, agent)
    with pytest.raises(ValidationFailed) as err:
        contact_record(
            ticket_id=ticket.pk,
            actor=agent,
            channel="pigeon",
            summary=" ",
            contacted_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert set(err.value.fields) == {"channel", "summary", "contacted_at"}
    with pytest.raises(ValidationFailed) as err:
        contact_record(
            ticket_id=ticket.pk,
            actor=agent,
            channel="phone",
            summary="x",
            contacted_at=ticket.created_at - dt.timedelta(days=1),
        )
    assert "contacted_at" in err.value.fields
    assert not CustomerContact.objects.exists()


def test_complaint_services_refuse_other_kinds(subscriber, agent):
    customer, _ = subscriber
    other = fault(customer, agent)
    with pytest.raises(NotFound):
        complaint_solution(ticket_id=other.pk, actor=agent, solution="S", action_taken="A")


def test_a_non_complaint_closes_without_a_contact(subscriber, agent):
    customer, _ = subscriber
    question = ticket_create(
        kind="question", subject="Cara ganti password WiFi", source="phone", customer_id=customer.pk
    )
    ticket_transition(ticket_id=question.pk, action="resolve", actor=agent)
    assert ticket_transition(ticket_id=question.pk, action="close", actor=agent).status == "closed"
