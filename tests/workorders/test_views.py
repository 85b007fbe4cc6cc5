"""Field work pages: board, scheduling, the technician's phone queue, completing a job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing.models import Invoice, Payment
from ispcare.customers.choices import EquipmentStatus, SubscriptionState
from ispcare.customers.models import Equipment
from ispcare.workorders.choices import WorkOrderStatus
from ispcare.workorders.models import WorkOrder
from tests import factories
from tests.web import assert_pages_by_role, login, msgs

pytestmark = pytest.mark.django_db


def complete_data(order, serial, **kw):
    data = {
        "serials": serial,
        "amount": str(order.subscription.plan.installation_fee),
        "method": "cash",
        "receipt_number": f"KW-T{order.pk}",
        "result": "Redaman -19 dBm",
    }
    data.update(kw)
    return data


def unchanged(order, *serials):
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.SCHEDULED
    assert order.subscription.state == SubscriptionState.PENDING_INSTALLATION
    assert not Payment.objects.filter(invoice__subscription=order.subscription).exists()
    for s in serials:
        e = Equipment.objects.filter(serial=s).first()
        assert e is None or e.subscription_id != order.subscription_id


# Who may open what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,allowed,denied",
    [
        ("installation_board", [Role.REGISTRATION, Role.NOC], [Role.TECHNICIAN, Role.FINANCE]),
        ("my_jobs", [Role.TECHNICIAN, Role.MANAGER], [Role.REGISTRATION, Role.FINANCE]),
    ],
)
def test_list_pages_by_role(client, onboarding, name, allowed, denied):
    onboarding.approved()
    onboarding.scheduled()
    for role in allowed:
        login(client, role)
        assert client.get(reverse(f"workorders:{name}")).status_code == 200, role
    for role in denied:
        login(client, role)
        assert client.get(reverse(f"workorders:{name}")).status_code == 403, role


def test_record_pages_by_role(client, onboarding):
    _, sub = onboarding.approved()
    customer, _, order = onboarding.scheduled()
    pages = {
        reverse("workorders:installation_schedule", args=[sub.pk]): (
            [Role.REGISTRATION, Role.ADMIN],
            [Role.TECHNICIAN, Role.CUSTOMER_SERVICE],
        ),
        reverse("workorders:job_detail", args=[order.pk]): (
            [Role.REGISTRATION, Role.MANAGER],
            [Role.FINANCE, Role.CUSTOMER_SERVICE],
        ),
        reverse("workorders:installation_complete", args=[order.pk]): (
            [Role.MANAGER],
            [Role.REGISTRATION, Role.FINANCE],
        ),
        reverse("workorders:customer_panel", args=[customer.pk]): (
            [Role.REGISTRATION, Role.TECHNICIAN],
            [Role.FINANCE, Role.CUSTOMER],
        ),
    }
    assert_pages_by_role(client, pages)


# Board and scheduling --------------------------------------------------------------------


def test_board_lists_waiting_and_scheduled(client, onboarding):
    waiting, _ = onboarding.approved(full_name="Menunggu Jadwal")
    _, _, order = onboarding.scheduled(full_name="Sudah Dijadwal")
    login(client, Role.REGISTRATION)
    response = client.get(reverse("workorders:installation_board"))
    assert [s.customer_id for s in response.context["to_schedule"]] == [waiting.pk]
    assert [o.pk for o in response.context["scheduled"]] == [order.pk]
    html = response.content.decode()
    assert "Menunggu Jadwal" in html and "Sudah Dijadwal" in html


def test_schedule_happy_path(client, onboarding):
    _, sub = onboarding.approved()
    login(client, Role.REGISTRATION)
    day = timezone.localdate() + dt.timedelta(days=2)
    response = client.post(
        reverse("workorders:installation_schedule", args=[sub.pk]),
        {"date": day.isoformat(), "technician": onboarding.technician.pk},
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get(subscription=sub)
    assert order.scheduled_date == day and order.technician == onboarding.technician
    assert Invoice.objects.filter(subscription=sub, kind="installation").exists()
    assert msgs(response)


def test_schedule_past_date_is_a_field_error(client, onboarding):
    _, sub = onboarding.approved()
    login(client, Role.REGISTRATION)
    response = client.post(
        reverse("workorders:installation_schedule", args=[sub.pk]),
        {
            "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "technician": onboarding.technician.pk,
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["date"]
    assert not WorkOrder.objects.exists()


def test_schedule_with_a_non_technician_is_a_field_error(client, onboarding):
    _, sub = onboarding.approved()
    login(client, Role.REGISTRATION)
    response = client.post(
        reverse("workorders:installation_schedule", args=[sub.pk]),
        {"date": timezone.localdate().isoformat(), "technician": onboarding.finance.pk},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["technician"]
    assert not WorkOrder.objects.exists()


def test_schedule_an_installed_subscription_is_refused(client, onboarding):
    _, sub = onboarding.installed()
    login(client, Role.REGISTRATION)
    url = reverse("workorders:installation_schedule", args=[sub.pk])
    response = client.post(
        url, {"date": timezone.localdate().isoformat(), "technician": onboarding.technician.pk}
    )
    assert response.status_code == 302 and msgs(response)
    assert WorkOrder.objects.filter(subscription=sub, status="scheduled").count() == 0


# The technician's phone ------------------------------------------------------------------


def test_my_jobs_shows_today_and_overdue_own_jobs_with_amount(client, onboarding):
    _, _, today_job = onboarding.scheduled(full_name="Hari Ini")
    _, _, late_job = onboarding.scheduled(full_name="Terlambat Kemarin")
    WorkOrder.objects.filter(pk=late_job.pk).update(
        scheduled_date=timezone.localdate() - dt.timedelta(days=1)
    )
    other_tech = factories.staff_user(Role.TECHNICIAN)
    _, sub3 = onboarding.approved(full_name="Teknisi Lain")
    from ispcare.workorders.services import installation_schedule

    installation_schedule(
        subscription_id=sub3.pk,
        date=timezone.localdate(),
        technician_id=other_tech.pk,
        actor=onboarding.registration,
    )
    login(client, onboarding.technician)
    response = client.get(reverse("workorders:my_jobs"))
    jobs = response.context["jobs"]
    assert [j.pk for j in jobs] == [late_job.pk, today_job.pk]
    assert jobs[0].overdue and not jobs[1].overdue
    html = response.content.decode()
    assert "Teknisi Lain" not in html
    assert f'href="tel:{today_job.customer.phone}"' in html
    assert "Rp 250.000" in html  # what to collect


def test_technician_cannot_open_or_complete_another_technicians_job(client, onboarding):
    _, _, order = onboarding.scheduled()
    device = factories.equipment()
    login(client, Role.TECHNICIAN)
    assert client.get(reverse("workorders:job_detail", args=[order.pk])).status_code == 404
    url = reverse("workorders:installation_complete", args=[order.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, complete_data(order, device.serial)).status_code == 404
    unchanged(order, device.serial)


# Completing an installation --------------------------------------------------------------


def test_complete_form_is_prefilled_with_the_balance(client, onboarding):
    _, _, order = onboarding.scheduled()
    login(client, onboarding.technician)
    response = client.get(reverse("workorders:installation_complete", args=[order.pk]))
    assert str(response.context["form"]["amount"].value()) == "250000"
    assert b'value="250000"' in response.content


def test_complete_happy_path(client, onboarding):
    _, sub, order = onboarding.scheduled()
    a, b = factories.equipment(), factories.equipment()
    login(client, onboarding.technician)
    response = client.post(
        reverse("workorders:installation_complete", args=[order.pk]),
        complete_data(order, f"{a.serial}\n{b.serial}\n", amount="Rp 250.000"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workorders:my_jobs")
    text = " ".join(msgs(response))
    assert "isolated" in text or "isolir" in text.lower()
    sub.refresh_from_db()
    order.refresh_from_db()
    assert sub.state == SubscriptionState.AWAITING_DEPOSIT
    assert order.status == WorkOrderStatus.COMPLETED and order.result == "Redaman -19 dBm"
    assert set(sub.equipment.values_list("serial", flat=True)) == {a.serial, b.serial}
    assert Invoice.objects.filter(subscription=sub, kind="deposit").exists()


def test_complete_wrong_amount(client, onboarding):
    _, _, order = onboarding.scheduled()
    device = factories.equipment()
    login(client, onboarding.technician)
    response = client.post(
        reverse("workorders:installation_complete", args=[order.pk]),
        complete_data(order, device.serial, amount="200000"),
    )
    assert response.status_code == 422
    assert response.context["form"].errors["amount"]
    unchanged(order, device.serial)
    assert Equipment.objects.get(pk=device.pk).status == EquipmentStatus.IN_STOCK


def test_complete_unknown_serial(client, onboarding):
    _, _, order = onboarding.scheduled()
    login(client, onboarding.technician)
    response = client.post(
        reverse("workorders:installation_complete", args=[order.pk]),
        complete_data(order, "NOPE-0001"),
    )
    assert response.status_code == 422
    assert "NOPE-0001" in str(response.context["form"].errors["serials"])
    unchanged(order)


def test_complete_serial_not_in_stock(client, onboarding):
    _, other = onboarding.installed()
    taken = other.equipment.get().serial
    _, _, order = onboarding.scheduled()
    login(client, onboarding.technician)
    response = client.post(
        reverse("workorders:installation_complete", args=[order.pk]),
        complete_data(order, taken),
    )
    assert response.status_code == 422
    assert taken in str(response.context["form"].errors["serials"])
    unchanged(order)
    assert Equipment.objects.get(serial=taken).subscription_id == other.pk


def test_complete_duplicate_receipt_number_is_a_field_error(client, onboarding):
    _, other = onboarding.installed()
    used = Payment.objects.get(invoice__subscription=other).reference
    _, _, order = onboarding.scheduled()
    device = factories.equipment()
    login(client, onboarding.technician)
    response = client.post(
        reverse("workorders:installation_complete", args=[order.pk]),
        complete_data(order, device.serial, receipt_number=used),
    )
    assert response.status_code == 422
    assert response.context["form"].errors["receipt_number"]
    unchanged(order, device.serial)


def test_second_completion_is_refused_and_changes_nothing(client, onboarding):
    _, _, order = onboarding.scheduled()
    a, b = factories.equipment(), factories.equipment()
    login(client, onboarding.technician)
    url = reverse("workorders:installation_complete", args=[order.pk])
    assert client.post(url, complete_data(order, a.serial)).status_code == 302
    payments = Payment.objects.count()
    response = client.post(url, complete_data(order, b.serial, receipt_number="KW-OTHER"))
    assert response.status_code == 302
    assert response["Location"] == reverse("workorders:job_detail", args=[order.pk])
    assert msgs(response)
    assert Payment.objects.count() == payments
    assert Equipment.objects.get(pk=b.pk).status == EquipmentStatus.IN_STOCK


def test_customer_panel_lists_work_orders(client, onboarding):
    customer, _, order = onboarding.scheduled()
    login(client, Role.REGISTRATION)
    response = client.get(reverse("workorders:customer_panel", args=[customer.pk]))
    assert list(response.context["orders"]) == [order]
    assert b"<html" not in response.content  # a fragment


# No per-row queries ----------------------------------------------------------------------


def test_board_queries_do_not_grow(client, onboarding, django_assert_max_num_queries):
    for _ in range(30):
        onboarding.approved()
    for _ in range(30):
        onboarding.scheduled()
    login(client, Role.REGISTRATION)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workorders:installation_board"))
    assert len(response.context["to_schedule"].object_list) == 30
    assert len(response.context["scheduled"].object_list) == 30


def test_my_jobs_queries_do_not_grow(client, onboarding, django_assert_max_num_queries):
    for _ in range(30):
        onboarding.scheduled()
    login(client, onboarding.technician)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workorders:my_jobs"))
    assert len(response.context["jobs"]) == 30


def test_complete_page_offers_the_network_nodes_and_records_the_choice(client, onboarding):
    from ispcare.network.models import Node
    from tests.network.support import nas

    _, sub, order = onboarding.scheduled()
    url = reverse("workorders:installation_complete", args=[order.pk])
    login(client, onboarding.technician)
    assert b'name="node"' not in client.get(url).content  # no network recorded: no field
    router = nas("10.10.0.1").node
    olt = Node.objects.create(name="OLT Caturtunggal", kind="olt", parent=router)
    page = client.get(url).content.decode()
    assert 'name="node"' in page and "OLT Caturtunggal" in page and "POP Sleman" not in page
    device = factories.equipment()
    response = client.post(
        url, {**complete_data(order, device.serial, amount="250000"), "node": olt.pk}
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.node == olt
