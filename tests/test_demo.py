"""The Vokasi.Net demo data: made through the services, every state present, loaded once."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from ispcare.accounts.models import User
from ispcare.accounts.roles import STAFF_ROLES
from ispcare.common.nik import parse_nik
from ispcare.customers.models import Application, Customer, Equipment, Event, Plan, Subscription
from ispcare.demo import data
from ispcare.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db(transaction=False)


def test_demo_data(capsys, django_capture_on_commit_callbacks):
    """One load (it takes seconds), every property of it checked."""
    with django_capture_on_commit_callbacks(execute=True):  # as when the load commits
        assert data.load()
    _every_lifecycle_state_and_application_status()
    _people_are_valid_and_every_change_has_an_event()
    _technician_has_a_job_today()
    _announcement_went_to_the_live_customers()
    _network_holds_the_subscribers()
    _two_months_of_billing()
    _helpdesk_morning()
    _closing()
    _logins()
    _print_logins_lists_urls_and_every_role(capsys)
    _second_load_changes_nothing_and_says_so(capsys)


def _two_months_of_billing():
    from ispcare.billing.ledger import balance
    from ispcare.billing.models import Adjustment, BillingRun, Invoice

    live = Subscription.objects.filter(state__in=["active", "isolated"])
    billed = Subscription.objects.filter(state__in=["active", "isolated", "ended"])
    assert Invoice.objects.filter(kind="monthly").count() == 2 * billed.count() > 0
    ratna = live.get(customer__full_name="Ratna Sari")
    assert (ratna.state, ratna.isolation_cause) == ("isolated", "overdue")
    owed = balance(customer_id=ratna.customer_id)
    older = Invoice.objects.filter(subscription=ratna, kind="monthly").order_by("period_end")[0]
    assert older.status == "partially_paid" and 0 < older.balance < older.amount
    assert owed > older.balance  # the newer month is open too
    assert Adjustment.objects.filter(invoice=None, customer__full_name="Wahyu Kurniawan").exists()
    assert set(BillingRun.objects.values_list("kind", "status")) == {
        ("invoices", "done"),
        ("isolation", "done"),
        ("reminders", "done"),
    }


def _closing():
    from ispcare.closures.models import Closure, EquipmentPrice

    assert EquipmentPrice.objects.filter(kind="ont", damaged_charge__gt=0).exists()
    fajar = Closure.objects.get(customer__full_name="Fajar Nugroho")
    assert fajar.status == "in_progress"
    pickup = WorkOrder.objects.get(subscription=fajar.subscription, kind="pickup")
    assert pickup.status == "scheduled" and pickup.technician.username == "teknisi"
    indah = Closure.objects.get(customer__full_name="Indah Permatasari")
    assert indah.status == "settled" and indah.subscription.state == "ended"
    settlement = indah.settlement
    assert settlement.refund_due > 0 and settlement.balance_left == 0 and settlement.refund is None


def _helpdesk_morning():
    from ispcare.helpdesk.models import CannedReply, Ticket

    assert CannedReply.objects.filter(shortcut="restart").exists()
    fault = Ticket.objects.get(kind="fault")
    assert fault.eta and fault.work_order.kind == "repair" and fault.status == "waiting_team"
    assert fault.work_order.technician.username == "teknisi"
    complaint = Ticket.objects.get(kind="complaint")
    assert complaint.status == "closed" and complaint.contacts.exists()
    assert Ticket.objects.get(kind="billing").status == "waiting_customer"
    assert Ticket.objects.filter(customer=None, contact_phone__startswith="+62").exists()


def _network_holds_the_subscribers():
    from ispcare.network.models import AccessBackendState, RadAcct, RadNas, RadUserGroup

    assert RadNas.objects.filter(nasname="10.10.0.1").exists()
    groups = dict(RadUserGroup.objects.values_list("username", "groupname"))
    for sub in Subscription.objects.select_related("plan"):
        if sub.state == "active":
            assert groups[sub.pppoe_username] == sub.plan.radius_profile
        elif sub.state in ("isolated", "awaiting_deposit"):
            assert groups[sub.pppoe_username] == "isolir"
    assert not AccessBackendState.objects.filter(status="pending").exists()
    dimas = Customer.objects.get(email=data.DEMO_CUSTOMER_EMAIL).subscriptions.get()
    assert (
        RadAcct.objects.filter(username=dimas.pppoe_username, acctstoptime__isnull=True).count()
        == 1
    )


def _announcement_went_to_the_live_customers():
    from ispcare.notifications.models import BulkSend

    bulk = BulkSend.objects.get(template_key="announcement")
    live = Customer.objects.filter(
        subscriptions__state__in=["active", "isolated", "awaiting_deposit", "ended"]
    )
    assert bulk.total == live.distinct().count() > 0
    assert bulk.status == "done"  # delivered to the in-memory mailbox during the load
    assert set(bulk.notifications.values_list("status", flat=True)) == {"sent"}


def _every_lifecycle_state_and_application_status():
    assert set(Subscription.objects.values_list("state", flat=True)) == {
        "pending_installation",
        "awaiting_deposit",
        "active",
        "isolated",
        "cancelled",
        "ended",
    }
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"submitted", "approved", "rejected"}
    assert Application.objects.filter(status="submitted", in_coverage=False).exists()
    assert Plan.objects.count() == 3
    assert {e.status for e in Equipment.objects.all()} == {"in_stock", "installed"}


def _people_are_valid_and_every_change_has_an_event():
    for app in Application.objects.all():
        parse_nik(app.nik)
        assert app.phone.startswith("+628")
        assert app.events.exists()
    for sub in Subscription.objects.all():
        assert Event.objects.filter(subscription=sub, to_state=sub.state).exists()
    active = Subscription.objects.filter(state="active")
    assert all(s.deposit_paid_at for s in active)


def _technician_has_a_job_today():
    from django.utils import timezone

    assert WorkOrder.objects.filter(
        technician__username="teknisi", scheduled_date=timezone.localdate(), status="scheduled"
    ).exists()


def _logins():
    roles = set(User.objects.exclude(role="customer").values_list("role", flat=True))
    assert roles == set(STAFF_ROLES)
    for username, *_ in data.STAFF:
        assert authenticate(username=username, password=data.DEMO_PASSWORD), username
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    customer = Customer.objects.get(email=data.DEMO_CUSTOMER_EMAIL)
    assert authenticate(username=customer.number, password=data.CUSTOMER_PASSWORD)


def _second_load_changes_nothing_and_says_so(capsys):
    counts = [m.objects.count() for m in (User, Application, Customer, Event, Equipment)]
    assert data.load() == {}
    call_command("demo_load")
    assert "nothing changed" in capsys.readouterr().out
    assert [m.objects.count() for m in (User, Application, Customer, Event, Equipment)] == counts


def _print_logins_lists_urls_and_every_role(capsys):
    data.print_logins(base_url="http://localhost:8123/", language="en")
    out = capsys.readouterr().out
    for path in ("/register/", "/portal/", "/accounts/login/", "/api/v1/docs", "/health/"):
        assert f"http://localhost:8123{path}" in out
    for username, *_ in data.STAFF:
        assert f"  {username} " in out
    assert data.DEMO_PASSWORD in out and data.CUSTOMER_PASSWORD in out
    assert Customer.objects.get(email=data.DEMO_CUSTOMER_EMAIL).number in out
