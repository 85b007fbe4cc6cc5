"""Faults: the network context, escalation to a repair visit on the technician's queue,
the visit's result told to the customer; the lifecycle table enforced."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ispcare.common.errors import Conflict, NotFound, ValidationFailed
from ispcare.helpdesk.faults import fault_context, fault_escalate, fault_visit_complete
from ispcare.helpdesk.lifecycle import MACHINE
from ispcare.helpdesk.models import Ticket, TicketUpdate
from ispcare.helpdesk.tickets import ticket_create, ticket_transition
from ispcare.notifications.models import Notification
from ispcare.workorders.models import WorkOrder

from .support import fault

pytestmark = pytest.mark.django_db


def test_the_fault_shows_the_node_and_the_connection(subscriber, agent):
    customer, sub = subscriber
    ticket = fault(customer, agent)
    context = fault_context(ticket)
    assert context.node == sub.node
    assert context.connection is not None and context.connection.session is None  # offline
    assert context.incident is None  # the maintenance issue attaches incidents here


def test_escalation_creates_a_repair_visit_and_tells_the_customer(subscriber, agent, technician):
    customer, sub = subscriber
    ticket = fault(customer, agent)
    today = timezone.localdate()
    fault_escalate(ticket_id=ticket.pk, actor=agent, technician_id=technician.pk, date=today)
    ticket.refresh_from_db()
    order = WorkOrder.objects.get(kind="repair", subscription=sub)
    assert ticket.work_order == order and ticket.status == "waiting_team"
    assert order.technician == technician and ticket.number in order.problem
    assert Notification.objects.filter(template_key="ticket_visit").exists()
    # Moving the visit keeps one open repair job.
    fault_escalate(
        ticket_id=ticket.pk,
        actor=agent,
        technician_id=technician.pk,
        date=today + timezone.timedelta(days=1),
    )
    assert WorkOrder.objects.filter(kind="repair", subscription=sub).count() == 1


def test_escalation_input_is_checked(subscriber, agent, technician):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    with pytest.raises(ValidationFailed) as err:
        fault_escalate(
            ticket_id=ticket.pk,
            actor=agent,
            technician_id=agent.pk,  # not a technician
            date=timezone.localdate(),
        )
    assert "technician" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        fault_escalate(
            ticket_id=ticket.pk,
            actor=agent,
            technician_id=technician.pk,
            date=timezone.localdate() - timezone.timedelta(days=1),
        )
    assert "date" in err.value.fields
    assert not WorkOrder.objects.filter(kind="repair").exists()
    question = ticket_create(kind="question", subject="Q", source="phone", customer_id=customer.pk)
    with pytest.raises(NotFound):
        fault_escalate(
            ticket_id=question.pk,
            actor=agent,
            technician_id=technician.pk,
            date=timezone.localdate(),
        )


@pytest.mark.parametrize(("fixed", "status"), [(True, "resolved"), (False, "open")])
def test_the_visit_result_resolves_or_sends_back(subscriber, agent, technician, fixed, status):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    fault_escalate(
        ticket_id=ticket.pk, actor=agent, technician_id=technician.pk, date=timezone.localdate()
    )
    after = fault_visit_complete(
        ticket_id=ticket.pk, actor=technician, result="Konektor ONT diganti", fixed=fixed
    )
    assert after.status == status
    assert (
        WorkOrder.objects.get(
            pk=ticket.work_order_id if ticket.work_order_id else after.work_order_id
        ).status
        == "completed"
    )
    assert TicketUpdate.objects.filter(
        ticket=ticket, public=True, body__contains="Konektor"
    ).exists()
    with pytest.raises(Conflict):
        fault_visit_complete(ticket_id=ticket.pk, actor=technician, result="Dicek lagi", fixed=True)


def test_illegal_transitions_change_nothing(subscriber, agent):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    for action in ("reopen", "close", "resume", "fly"):
        with pytest.raises(Conflict):
            ticket_transition(ticket_id=ticket.pk, action=action, actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
    assert TicketUpdate.objects.filter(ticket=ticket).count() == 1


def test_the_table_allows_what_the_docstring_says():
    assert set(MACHINE.actions_from("new")) == {"open", "wait_customer", "wait_team", "resolve"}
    assert set(MACHINE.actions_from("resolved")) == {"reopen", "close"}
    assert MACHINE.actions_from("closed") == []
