"""A customer record and its history, as staff integrations read them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ispcare.accounts.roles import Role
from ispcare.customers.models import Equipment, Event
from tests import factories

from .support import call, token_for

pytestmark = pytest.mark.django_db


def test_customer_record_with_masked_nik_state_access_and_equipment(client, onboarding):
    customer, sub = onboarding.installed()
    device = sub.equipment.get()
    response = call(client, "get", f"/customers/{customer.pk}", token_for(Role.CUSTOMER_SERVICE))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == customer.number and body["full_name"] == customer.full_name
    assert (
        body["nik_masked"] == customer.nik_masked and customer.nik not in response.content.decode()
    )
    assert body["phone"] == customer.phone and body["email"] == customer.email
    assert body["address"]["line"] == customer.address_line
    assert body["address"]["postcode"] == customer.postcode
    [s] = body["subscriptions"]
    assert s["id"] == sub.pk and s["plan"] == sub.plan.code and s["plan_name"] == sub.plan.name
    assert s["state"] == "awaiting_deposit" and s["access"] == "isolated"
    assert s["installed_at"] and s["deposit_paid_at"] is None and s["activated_at"] is None
    assert s["equipment"] == [
        {
            "serial": device.serial,
            "kind": device.kind,
            "model": device.model_name,
            "mac": device.mac,
            "installed_at": s["equipment"][0]["installed_at"],
        }
    ]
    assert "pppoe_password" not in s and sub.pppoe_password not in response.content.decode()


def test_active_customer_reads_active(client, onboarding):
    customer, _sub = onboarding.active()
    body = call(client, "get", f"/customers/{customer.pk}", token_for(Role.NOC)).json()
    assert body["subscriptions"][0]["state"] == "active"
    assert body["subscriptions"][0]["access"] == "active"


def test_customer_read_is_a_fixed_number_of_queries(client, onboarding):
    customer, sub = onboarding.installed()
    key = token_for(Role.ADMIN)
    call(client, "get", f"/customers/{customer.pk}", key)  # warm up (token last_used_at)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert call(client, "get", f"/customers/{customer.pk}", key).status_code == 200
        return len(ctx)

    one_device = queries()
    extra = [factories.equipment().pk for _ in range(3)]
    Equipment.objects.filter(pk__in=extra).update(status="installed", subscription=sub)
    assert queries() == one_device <= 6


def test_events_say_who_did_what_when_and_why_newest_first(client, onboarding):
    customer, _sub = onboarding.active()
    response = call(client, "get", f"/customers/{customer.pk}/events", token_for(Role.MANAGER))
    assert response.status_code == 200, response.content
    events = response.json()
    assert len(events) == Event.objects.filter(customer=customer).count()
    times = [e["created_at"] for e in events]
    assert times == sorted(times, reverse=True)
    kinds = [e["kind"] for e in events]
    assert kinds[-1] == "application_submitted" and "application_approved" in kinds
    changes = [e for e in events if e["kind"] == "state_changed"]
    assert [(e["from_state"], e["to_state"]) for e in changes] == [
        ("awaiting_deposit", "active"),
        ("pending_installation", "awaiting_deposit"),
    ]
    activated = changes[0]
    assert activated["actor_id"] == onboarding.finance.pk
    assert onboarding.finance.get_role_display() in activated["who"]
    assert activated["reason"] and activated["description"]
    installed = changes[1]
    assert installed["actor_id"] == onboarding.technician.pk and installed["reason"]


def test_event_descriptions_follow_the_language(client, onboarding):
    customer, _sub = onboarding.approved()
    key = token_for(Role.ADMIN)
    en = call(client, "get", f"/customers/{customer.pk}/events", key, HTTP_ACCEPT_LANGUAGE="en")
    id_ = call(client, "get", f"/customers/{customer.pk}/events", key, HTTP_ACCEPT_LANGUAGE="id")
    en_desc = {e["kind"]: e["description"] for e in en.json()}
    id_desc = {e["kind"]: e["description"] for e in id_.json()}
    assert en_desc["application_approved"] == "Application approved"
    assert id_desc["application_approved"] != en_desc["application_approved"]
