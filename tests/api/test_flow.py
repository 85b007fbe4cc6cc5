"""The whole SOP through the API alone: register, verify, install, pay the deposit, read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.accounts.roles import Role
from tests import factories

from .support import call, registration_body, token_for

pytestmark = pytest.mark.django_db


def test_registration_to_active_service_through_the_api(client):
    factories.coverage()
    registration = token_for(Role.REGISTRATION)
    technician = factories.staff_user(Role.TECHNICIAN)
    finance = token_for(Role.FINANCE)
    cs = token_for(Role.CUSTOMER_SERVICE)

    submitted = call(client, "post", "/registrations", body=registration_body())
    assert submitted.status_code == 201, submitted.content
    reference = submitted.json()["reference"]

    queue = call(client, "get", f"/applications?q={reference}", registration).json()
    [item] = queue["items"]
    customer = call(client, "post", f"/applications/{item['id']}/approve", registration, {}).json()
    sub_id = customer["subscriptions"][0]["id"]

    day = timezone.localdate() + dt.timedelta(days=1)
    order = call(
        client,
        "post",
        f"/subscriptions/{sub_id}/installation",
        registration,
        {"date": day.isoformat(), "technician_id": technician.pk},
    ).json()

    invoices = call(client, "get", f"/customers/{customer['id']}/invoices", finance).json()
    [fee] = [i for i in invoices if i["kind"] == "installation"]
    device = factories.equipment()
    done = call(
        client,
        "post",
        f"/work-orders/{order['id']}/complete",
        token_for(user=technician),
        {
            "serials": [device.serial],
            "amount": fee["balance"],
            "method": "cash",
            "receipt_number": "KW-1",
        },
    ).json()
    assert done["access"] == "isolated"

    invoices = call(client, "get", f"/customers/{customer['id']}/invoices", finance).json()
    [deposit] = [i for i in invoices if i["kind"] == "deposit"]
    paid = call(
        client,
        "post",
        f"/invoices/{deposit['id']}/payments",
        finance,
        {"amount": deposit["balance"], "method": "qris", "reference": "QR-1"},
    ).json()
    assert paid["subscription_state"] == "active" and paid["access"] == "active"

    record = call(client, "get", f"/customers/{customer['id']}", cs).json()
    assert record["subscriptions"][0]["access"] == "active"
    assert [e["serial"] for e in record["subscriptions"][0]["equipment"]] == [device.serial]
    events = call(client, "get", f"/customers/{customer['id']}/events", cs).json()
    assert {"application_submitted", "application_approved", "installation_completed"} <= {
        e["kind"] for e in events
    }
