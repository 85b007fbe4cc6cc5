"""The closing's pages with a form of their own: check-in at the desk and on the
technician's phone, the settlement with its preview, a request filed by staff, the price
list; the panel on the staff customer page and the pickup button on the job card."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing.models import Invoice
from ispcare.closures import services
from ispcare.closures.models import Closure, EquipmentPrice, ReturnItem
from ispcare.customers.models import Equipment
from ispcare.workorders.models import WorkOrder
from tests import factories

from .support import request

pytestmark = pytest.mark.django_db


def _msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _pickup(closure, technician, closing):
    return services.closure_pickup_schedule(
        closure_id=closure.pk,
        technician_id=technician.pk,
        date=timezone.localdate(),
        actor=closing,
        note="Ambil ONT, pelanggan ada di rumah sore",
    )


def _two_devices(sub):
    """A second device (a router) at the subscriber's."""
    router = factories.equipment()
    Equipment.objects.filter(pk=router.pk).update(
        kind="router", status="installed", subscription=sub
    )
    return Equipment.objects.get(subscription=sub, kind="ont"), Equipment.objects.get(pk=router.pk)


# Check-in ---------------------------------------------------------------------------


def test_desk_check_in_shows_prices_and_records_conditions(client, subscriber, closing, prices):
    customer, sub = subscriber
    ont, router = _two_devices(sub)
    closure = request(sub, customer.user, return_method="dropoff")
    url = reverse("closures:closure_check_in", args=[closure.pk])
    client.force_login(closing)
    r = client.get(url)
    assert r.status_code == 200
    page = r.content.decode()
    assert ont.serial in page and router.serial in page
    assert "Rp 300.000" in page and "Rp 750.000" in page and "Rp 150.000" in page
    assert r.context["form"]["via"].value() == "dropoff"

    r = client.post(
        url,
        {
            f"device_{ont.pk}": "damaged",
            f"device_{router.pk}": "good",
            "via": "dropoff",
            "note": "Casing retak",
        },
    )
    assert r.status_code == 302
    assert r["Location"] == reverse("closures:closure_detail", args=[closure.pk]) + "#equipment"
    assert _msgs(r)
    items = {i.equipment_id: i for i in ReturnItem.objects.filter(closure=closure)}
    assert items[ont.pk].condition == "damaged" and items[ont.pk].charge == 300_000
    assert items[router.pk].charge == 0 and items[ont.pk].via == "dropoff"
    closure.refresh_from_db()
    assert closure.status == "in_progress"
    r = client.get(reverse("closures:closure_detail", args=[closure.pk]))
    assert r.context["items_total"] == 300_000
    assert "Rp 300.000" in r.content.decode()


def test_check_in_with_no_condition_changes_nothing(client, subscriber, closing, prices):
    customer, sub = subscriber
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user)
    client.force_login(closing)
    url = reverse("closures:closure_check_in", args=[closure.pk])
    r = client.post(url, {"via": "dropoff"})
    assert r.status_code == 422
    assert f"device_{ont.pk}" in r.context["form"].errors
    r = client.post(url, {"via": "", f"device_{ont.pk}": "good"})
    assert r.status_code == 422 and "via" in r.context["form"].errors
    r = client.post(url, {"via": "dropoff", f"device_{ont.pk}": "stolen"})
    assert r.status_code == 422 and f"device_{ont.pk}" in r.context["form"].errors
    assert not ReturnItem.objects.exists()
    ont.refresh_from_db()
    assert ont.status == "installed"
    closure.refresh_from_db()
    assert closure.status == "requested"


def test_partial_check_in_leaves_the_rest_out(client, subscriber, closing, prices):
    customer, sub = subscriber
    ont, router = _two_devices(sub)
    closure = request(sub, customer.user, return_method="dropoff")
    client.force_login(closing)
    url = reverse("closures:closure_check_in", args=[closure.pk])
    r = client.post(url, {f"device_{ont.pk}": "good", "via": "dropoff"})
    assert r.status_code == 302
    r = client.get(url)
    assert [d.pk for d, _f in r.context["rows"]] == [router.pk]


def test_technician_checks_in_from_their_pickup_job(
    client, subscriber, closing, onboarding, prices
):
    customer, sub = subscriber
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user)
    order = _pickup(closure, onboarding.technician, closing)
    client.force_login(onboarding.technician)

    # The job card on My jobs carries the note and the button.
    page = client.get(reverse("workorders:my_jobs")).content.decode()
    check_in = reverse("closures:pickup_check_in", args=[order.pk])
    assert check_in in page and "pelanggan ada di rumah sore" in page
    page = client.get(reverse("workorders:job_detail", args=[order.pk])).content.decode()
    assert check_in in page

    r = client.get(check_in)
    assert r.status_code == 200
    assert r.context["form"].fixed_via == "pickup"
    assert reverse("closures:closure_detail", args=[closure.pk]) not in r.content.decode()
    r = client.post(check_in, {f"device_{ont.pk}": "damaged", "via": "dropoff"})
    assert r.status_code == 302 and r["Location"] == reverse("workorders:my_jobs")
    item = ReturnItem.objects.get()
    assert item.via == "pickup" and item.work_order_id == order.pk  # via fixed by the job
    assert item.charge == 300_000 and item.checked_in_by == onboarding.technician
    order.refresh_from_db()
    assert order.status == "completed"
    # The job is done: opening it again says so.
    r = client.get(check_in)
    assert r.status_code == 302 and r["Location"] == reverse("workorders:my_jobs")


def test_another_technicians_pickup_is_404(client, subscriber, closing, onboarding):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    order = _pickup(closure, onboarding.technician, closing)
    other = factories.staff_user(Role.TECHNICIAN)
    client.force_login(other)
    url = reverse("closures:pickup_check_in", args=[order.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"via": "pickup"}).status_code == 404
    # Nor through the request's own check-in page.
    r = client.get(reverse("closures:closure_check_in", args=[closure.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("workorders:my_jobs")
    assert not ReturnItem.objects.exists()
    # Their own technician is sent on to the pickup's page.
    client.force_login(onboarding.technician)
    r = client.get(reverse("closures:closure_check_in", args=[closure.pk]))
    assert r.status_code == 302 and r["Location"] == url


def test_pickup_route_for_another_kind_of_job_goes_to_the_job(client, onboarding):
    _customer, _sub, order = onboarding.scheduled()
    client.force_login(onboarding.technician)
    r = client.get(reverse("closures:pickup_check_in", args=[order.pk]))
    assert r.status_code == 302 and r["Location"] == reverse(
        "workorders:job_detail", args=[order.pk]
    )


def test_closing_team_may_use_the_pickup_route(client, subscriber, closing, onboarding):
    customer, sub = subscriber
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user)
    order = _pickup(closure, onboarding.technician, closing)
    client.force_login(closing)
    r = client.post(
        reverse("closures:pickup_check_in", args=[order.pk]), {f"device_{ont.pk}": "good"}
    )
    assert r.status_code == 302
    assert r["Location"] == reverse("closures:closure_detail", args=[closure.pk]) + "#equipment"
    assert ReturnItem.objects.get().via == "pickup"


# Settlement -------------------------------------------------------------------------


@pytest.mark.parametrize("condition", ["good", "damaged", "missing"])
def test_settle_preview_matches_the_settlement(client, subscriber, closing, prices, condition):
    customer, sub = subscriber
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user, return_method="dropoff", days=10)
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: condition}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    client.force_login(closing)
    url = reverse("closures:closure_settle", args=[closure.pk])
    before = factories.row_counts()
    r = client.get(url)
    assert r.status_code == 200
    preview = r.context["preview"]
    # The preview settles in a transaction it rolls back: nothing kept, no number used.
    assert factories.row_counts() == before
    assert not Invoice.objects.filter(kind="final").exists()
    assert preview.lines and preview.final_amount == sum(line["amount"] for line in preview.lines)
    r = client.post(url)
    assert r.status_code == 302 and r["Location"].endswith("#settlement") and _msgs(r)
    closure.refresh_from_db()
    s = closure.settlement
    assert (
        preview.deposit_held,
        preview.equipment_charges,
        preview.final_amount,
        preview.deposit_applied,
        preview.refund_due,
        preview.balance_left,
    ) == (
        s.deposit_held,
        s.equipment_charges,
        s.final_invoice.amount,
        s.deposit_applied,
        s.refund_due,
        s.balance_left,
    )
    page = client.get(reverse("closures:closure_detail", args=[closure.pk])).content.decode()
    assert reverse("billing:invoice_detail", args=[s.final_invoice.pk]) in page


def test_settle_refused_while_equipment_is_out(client, subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    client.force_login(closing)
    url = reverse("closures:closure_settle", args=[closure.pk])
    r = client.get(url)  # not ended yet
    assert r.status_code == 302 and _msgs(r)
    services.closures_sweep(today=closure.end_date)
    r = client.get(url)
    assert r.status_code == 200 and r.context["blocked"] and r.context["preview"] is None
    detail = client.get(reverse("closures:closure_detail", args=[closure.pk]))
    assert not detail.context["acts"]["settle"] and detail.context["settle_blocked"]
    r = client.post(url)
    assert r.status_code == 302 and _msgs(r)
    closure.refresh_from_db()
    assert closure.status == "ended" and not Invoice.objects.filter(kind="final").exists()


# A request filed by staff ---------------------------------------------------------


def _new_data(**overrides):
    data = {
        "end_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "reason": "price",
        "reason_text": "",
        "return_method": "dropoff",
        "refund_bank": "BRI",
        "refund_account_number": "0987654321",
        "refund_account_name": "Budi Santoso",
    }
    data.update(overrides)
    return data


def test_staff_file_a_request_for_a_customer(client, subscriber, closing):
    customer, sub = subscriber
    client.force_login(closing)
    url = reverse("closures:closure_new", args=[customer.pk])
    r = client.get(url)
    assert r.status_code == 200
    r = client.post(url, _new_data(subscription=sub.pk))
    closure = Closure.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("closures:closure_detail", args=[closure.pk])
    assert closure.channel == "staff" and closure.requested_by == closing
    assert closure.return_method == "dropoff" and closure.refund_bank == "BRI"
    # The customer now has an open request: the form sends staff to it.
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"] == reverse("closures:closure_detail", args=[closure.pk])


def test_staff_request_bad_input_is_422(client, subscriber, closing):
    customer, sub = subscriber
    client.force_login(closing)
    url = reverse("closures:closure_new", args=[customer.pk])
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    r = client.post(url, _new_data(subscription=sub.pk, end_date=past))
    assert r.status_code == 422 and "end_date" in r.context["form"].errors
    r = client.post(url, _new_data(subscription=sub.pk, reason="other", reason_text=""))
    assert r.status_code == 422 and "reason_text" in r.context["form"].errors
    r = client.post(url, _new_data(subscription=sub.pk, refund_account_name=""))
    assert r.status_code == 422 and "refund_account_name" in r.context["form"].errors
    r = client.post(url, _new_data(subscription=999999))
    assert r.status_code == 422 and "subscription" in r.context["form"].errors
    assert not Closure.objects.exists()


def test_customer_service_may_not_file_a_request(client, subscriber):
    customer, _sub = subscriber
    client.force_login(factories.staff_user(Role.CUSTOMER_SERVICE))
    assert client.get(reverse("closures:closure_new", args=[customer.pk])).status_code == 403


# The price list -----------------------------------------------------------------------


def test_price_list_edit(client, closing, prices):
    client.force_login(closing)
    url = reverse("closures:prices")
    r = client.get(url)
    assert r.status_code == 200
    assert r.context["form"]["ont_damaged"].value() == "300000"
    data = {
        "ont_damaged": "350.000",
        "ont_missing": "800000",
        "router_damaged": "",
        "router_missing": "",
        "modem_damaged": "100000",
        "modem_missing": "250000",
        "other_damaged": "",
        "other_missing": "",
    }
    r = client.post(url, data)
    assert r.status_code == 302 and _msgs(r)
    got = {p.kind: (p.damaged_charge, p.missing_charge) for p in EquipmentPrice.objects.all()}
    assert got == {"ont": (350_000, 800_000), "modem": (100_000, 250_000)}


@pytest.mark.parametrize(
    "field,value", [("ont_damaged", "-5"), ("ont_missing", "abc"), ("router_missing", "")]
)
def test_price_list_bad_input_is_422(client, closing, prices, field, value):
    client.force_login(closing)
    data = {
        "ont_damaged": "300000",
        "ont_missing": "750000",
        "router_damaged": "150000",
        "router_missing": "400000",
        field: value,
    }
    r = client.post(reverse("closures:prices"), data)
    assert r.status_code == 422 and field in r.context["form"].errors
    got = {p.kind: (p.damaged_charge, p.missing_charge) for p in EquipmentPrice.objects.all()}
    assert got == {"ont": (300_000, 750_000), "router": (150_000, 400_000)}


def test_price_list_is_for_the_closing_team(client):
    client.force_login(factories.staff_user(Role.FINANCE))
    assert client.get(reverse("closures:prices")).status_code == 403


# The staff customer page ------------------------------------------------------------


def test_customer_page_panel(client, subscriber, closing):
    customer, sub = subscriber
    client.force_login(closing)
    page = client.get(reverse("staff:customer_detail", args=[customer.pk])).content.decode()
    panel_url = reverse("closures:customer_panel", args=[customer.pk])
    assert panel_url in page
    r = client.get(panel_url)
    assert r.status_code == 200
    assert reverse("closures:closure_new", args=[customer.pk]) in r.content.decode()

    closure = request(sub, customer.user)
    r = client.get(panel_url)
    html = r.content.decode()
    assert reverse("closures:closure_detail", args=[closure.pk]) in html
    assert reverse("closures:closure_new", args=[customer.pk]) not in html

    # Customer service reads it without the link to file one; technicians do not see it.
    client.force_login(factories.staff_user(Role.CUSTOMER_SERVICE))
    assert closure.number in client.get(panel_url).content.decode()
    client.force_login(factories.staff_user(Role.TECHNICIAN))
    page = client.get(reverse("staff:customer_detail", args=[customer.pk])).content.decode()
    assert panel_url not in page
    assert client.get(panel_url).status_code == 403


def test_pickup_note_on_the_job_detail_only_for_open_pickups(
    client, subscriber, closing, onboarding
):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    order = _pickup(closure, onboarding.technician, closing)
    WorkOrder.objects.filter(pk=order.pk).update(status="cancelled")
    client.force_login(onboarding.technician)
    page = client.get(reverse("workorders:job_detail", args=[order.pk])).content.decode()
    assert reverse("closures:pickup_check_in", args=[order.pk]) not in page
    assert "pelanggan ada di rumah sore" in page
