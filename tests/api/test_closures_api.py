"""The closing API: the staff queue and every step of a closing (actions, never a
writable status), the price list, and a customer's own requests over the portal session.

Every endpoint: its happy path, bad input (422 with the fields, nothing written), illegal
transitions (409 with a code), and the role matrix (anonymous 401, each role allowed or
403 by capability; a customer reaching another's request: 404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ispcare.accounts.roles import Role, has_capability
from ispcare.billing.models import Refund
from ispcare.billing.services import payment_record
from ispcare.closures import services
from ispcare.closures.models import Closure, EquipmentPrice, RetentionOffer, ReturnItem, Settlement
from ispcare.customers.models import Equipment, Event
from ispcare.workorders.models import WorkOrder
from tests import factories

from .support import BASE, assert_error, call, token_for

pytestmark = pytest.mark.django_db


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def subscriber(onboarding):
    """(customer, subscription) of an active subscriber with one ONT."""
    return onboarding.active()


@pytest.fixture
def closing(db):
    return factories.staff_user(Role.CLOSING)


@pytest.fixture
def key(closing):
    return token_for(user=closing)


@pytest.fixture
def prices(db):
    return [
        EquipmentPrice.objects.create(kind="ont", damaged_charge=300_000, missing_charge=750_000),
        EquipmentPrice.objects.create(
            kind="router", damaged_charge=150_000, missing_charge=400_000
        ),
    ]


def end(days: int = 7) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def request_body(sub, **overrides) -> dict:
    body = {
        "subscription_id": sub.pk,
        "end_date": end(),
        "reason": "moving",
        "reason_text": "Pindah ke Surabaya",
        "return_method": "pickup",
        "refund_bank": "BCA",
        "refund_account_number": "1234567890",
        "refund_account_name": "Dimas Saputra",
    }
    body.update(overrides)
    return body


def file_request(sub, actor, **overrides) -> Closure:
    data = {
        "subscription_id": sub.pk,
        "end_date": timezone.localdate() + dt.timedelta(days=7),
        "reason": "moving",
        "actor": actor,
        "return_method": "pickup",
        "refund_bank": "BCA",
        "refund_account_number": "1234567890",
        "refund_account_name": "Dimas Saputra",
    }
    data.update(overrides)
    return services.closure_request(**data)


def rows() -> dict:
    """Everything a closing step writes: 'nothing written' is an equal dict."""
    counts = factories.row_counts()
    for model in (Closure, ReturnItem, Settlement, RetentionOffer, EquipmentPrice, Refund):
        counts[model.__name__] = model.objects.count()
    counts["statuses"] = sorted(Closure.objects.values_list("status", flat=True))
    counts["equipment"] = sorted(Equipment.objects.values_list("status", flat=True))
    counts["jobs"] = sorted(WorkOrder.objects.values_list("status", flat=True))
    counts["prices"] = sorted(
        EquipmentPrice.objects.values_list("kind", "damaged_charge", "missing_charge")
    )
    return counts


def ont_of(sub) -> Equipment:
    return Equipment.objects.get(subscription=sub)


def settled(sub, customer, closing, condition="good"):
    """A request checked in (drop-off) with `condition`, ended, settled."""
    closure = file_request(sub, customer.user, return_method="dropoff")
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont_of(sub).pk: condition}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    services.closure_settle(closure_id=closure.pk, actor=closing)
    closure.refresh_from_db()
    return closure


def portal(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the queue ------------------------------------------------------------------------------


def test_list_filters_and_pages(client, key, onboarding):
    made = []
    for days in (7, 14, 21):
        customer, sub = onboarding.active()
        made.append(
            file_request(
                sub, customer.user, end_date=timezone.localdate() + dt.timedelta(days=days)
            )
        )
    services.closure_cancel(closure_id=made[2].pk, actor=made[2].customer.user)

    def get(query=""):
        response = call(client, "get", f"/closures?{query}", key)
        assert response.status_code == 200, response.content
        return response.json()

    body = get()
    assert body["count"] == 3 and [c["id"] for c in body["items"]] == [c.pk for c in made]
    first = body["items"][0]
    assert first["number"] == made[0].number and first["status"] == "requested"
    assert first["customer_number"] == made[0].customer.number
    assert [c["id"] for c in get("status=cancelled")["items"]] == [made[2].pk]
    assert [c["id"] for c in get(f"end_before={end(14)}")["items"]] == [made[0].pk, made[1].pk]
    assert [c["id"] for c in get(f"end_after={end(14)}")["items"]] == [made[1].pk, made[2].pk]
    assert [c["id"] for c in get(f"end_after={end(10)}&end_before={end(20)}")["items"]] == [
        made[1].pk
    ]
    number = made[1].customer.number
    assert [c["id"] for c in get(f"customer_number={number}")["items"]] == [made[1].pk]
    assert get("customer_number=NOPE")["items"] == []
    page = get("limit=2&offset=1")
    assert page["count"] == 3 and (page["limit"], page["offset"]) == (2, 1)
    assert [c["id"] for c in page["items"]] == [made[1].pk, made[2].pk]


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=gone", "status"),
        ("end_before=tomorrow", "end_before"),
        ("end_after=2026-13-01", "end_after"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_list_bad_query_is_422_on_the_field(client, key, query, field):
    body = assert_error(call(client, "get", f"/closures?{query}", key), 422, "validation_error")
    assert field in body["fields"], body


def test_detail_shows_items_settlement_offers_and_pickup(
    client, key, subscriber, closing, onboarding, prices
):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    offer = services.retention_offer_make(
        closure_id=closure.pk, text="Diskon 50% dua bulan", credit=100_000, actor=closing
    )
    services.retention_offer_answer(offer_id=offer.pk, accept=False, actor=customer.user)
    order = services.closure_pickup_schedule(
        closure_id=closure.pk,
        technician_id=onboarding.technician.pk,
        date=timezone.localdate(),
        actor=closing,
    )
    body = call(client, "get", f"/closures/{closure.pk}", key).json()
    assert body["status"] == "in_progress" and body["actions"] == []
    assert body["equipment_out"] == [
        {"equipment_id": ont_of(sub).pk, "serial": ont_of(sub).serial, "kind": "ont"}
    ]
    assert body["pickup"]["id"] == order.pk and body["pickup"]["status"] == "scheduled"
    assert body["pickup"]["technician_id"] == onboarding.technician.pk
    assert [(o["id"], o["outcome"], o["credit"]) for o in body["offers"]] == [
        (offer.pk, "declined", 100_000)
    ]
    assert body["settlement"] is None and body["items"] == []
    assert body["refund_account_number"] == "1234567890"

    services.closure_check_in(
        closure_id=closure.pk,
        conditions={ont_of(sub).pk: "damaged"},
        via="pickup",
        actor=onboarding.technician,
    )
    services.closures_sweep(today=closure.end_date)
    services.closure_settle(closure_id=closure.pk, actor=closing)
    body = call(client, "get", f"/closures/{closure.pk}", key).json()
    assert body["status"] == "settled" and body["equipment_out"] == []
    (item,) = body["items"]
    assert (item["condition"], item["charge"], item["via"]) == ("damaged", 300_000, "pickup")
    assert item["work_order_id"] == order.pk and body["pickup"]["status"] == "completed"
    s = body["settlement"]
    assert s["equipment_charges"] == 300_000 and s["final_invoice_number"]
    assert s["deposit_applied"] == 300_000 and s["balance_left"] > 0 and s["refund"] is None


# --- filing ---------------------------------------------------------------------------------


def test_file_a_request_for_a_customer(client, key, subscriber, closing):
    customer, sub = subscriber
    response = call(client, "post", "/closures", key, request_body(sub))
    assert response.status_code == 201, response.content
    body = response.json()
    closure = Closure.objects.get(pk=body["id"])
    assert (closure.channel, closure.requested_by, closure.customer) == ("api", closing, customer)
    assert body["status"] == "requested" and body["channel"] == "api"
    assert body["actions"] == ["process", "cancel"]
    assert body["equipment_out"][0]["serial"] == ont_of(sub).serial
    assert Event.objects.filter(kind="closure_requested", customer=customer).exists()


@pytest.mark.parametrize(
    "overrides, fields",
    [
        ({"end_date": None}, {"end_date"}),
        ({"end_date": "besok"}, {"end_date"}),
        ({"reason": "bored"}, {"reason"}),
        ({"return_method": "post"}, {"return_method"}),
        ({"subscription_id": "x"}, {"subscription_id"}),
        ({"subscription_id": 987654}, {"subscription_id"}),
        ({"reason_text": "x" * 2001}, {"reason_text"}),
        ({"end_date": end(-1)}, {"end_date"}),
        ({"end_date": end(400)}, {"end_date"}),
        ({"reason": "other", "reason_text": ""}, {"reason_text"}),
        ({"refund_account_name": ""}, {"refund_account_name"}),
        ({"refund_account_number": "12-AB"}, {"refund_account_number"}),
    ],
)
def test_filing_bad_input_is_422_and_writes_nothing(client, key, subscriber, overrides, fields):
    _customer, sub = subscriber
    before = rows()
    response = call(client, "post", "/closures", key, request_body(sub, **overrides))
    body = assert_error(response, 422, "validation_error")
    assert set(body["fields"]) == fields, body
    assert rows() == before


def test_filing_without_a_body_names_every_required_field(client, key, subscriber):
    body = assert_error(call(client, "post", "/closures", key, {}), 422, "validation_error")
    assert {"subscription_id", "end_date", "reason"} <= set(body["fields"])


def test_a_second_open_request_is_409(client, key, subscriber):
    customer, sub = subscriber
    file_request(sub, customer.user)
    before = rows()
    response = call(client, "post", "/closures", key, request_body(sub))
    assert_error(response, 409, "closure.already_open")
    assert rows() == before


# --- process and cancel ---------------------------------------------------------------------


def test_process_then_cancel_is_illegal(client, key, subscriber, closing):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    response = call(client, "post", f"/closures/{closure.pk}/process", key, {"note": "Ditelepon"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    closure.refresh_from_db()
    assert closure.processed_by == closing
    assert Event.objects.get(kind="closure_processed").reason == "Ditelepon"
    before = rows()
    for action in ("process", "cancel"):
        assert_error(
            call(client, "post", f"/closures/{closure.pk}/{action}", key, {}),
            409,
            "closure.illegal_transition",
        )
    assert rows() == before


def test_cancel_without_a_body_and_with_a_reason(client, key, onboarding):
    customer, sub = onboarding.active()
    closure = file_request(sub, customer.user)
    # No body at all (curl -X POST): the reason is optional.
    response = client.generic(
        "POST",
        f"{BASE}/closures/{closure.pk}/cancel",
        b"",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    customer, sub = onboarding.active()
    closure = file_request(sub, customer.user)
    body = call(client, "post", f"/closures/{closure.pk}/cancel", key, {"reason": "Batal"}).json()
    assert body["cancel_reason"] == "Batal"


@pytest.mark.parametrize(
    "action, body, field",
    [
        ("process", {"note": ["x"]}, "note"),
        ("process", {"note": "x" * 2001}, "note"),
        ("cancel", {"reason": "x" * 201}, "reason"),
    ],
)
def test_action_bad_body_is_422(client, key, subscriber, action, body, field):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    before = rows()
    error = assert_error(
        call(client, "post", f"/closures/{closure.pk}/{action}", key, body), 422, "validation_error"
    )
    assert field in error["fields"]
    assert rows() == before


# --- pickup and check-in --------------------------------------------------------------------


def test_pickup_schedules_a_job(client, key, subscriber, onboarding):
    customer, sub = subscriber
    closure = file_request(sub, customer.user, return_method="dropoff")
    body = {"technician_id": onboarding.technician.pk, "date": end(1), "note": "Pagi"}
    response = call(client, "post", f"/closures/{closure.pk}/pickup", key, body)
    assert response.status_code == 200, response.content
    out = response.json()
    job = WorkOrder.objects.get(kind="pickup")
    assert out["pickup"]["id"] == job.pk and out["pickup"]["scheduled_date"] == end(1)
    assert (job.technician, job.problem) == (onboarding.technician, "Pagi")
    assert out["status"] == "in_progress" and out["return_method"] == "pickup"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"date": end(1)}, "technician_id"),
        ({"technician_id": "x", "date": end(1)}, "technician_id"),
        ({"technician_id": 0, "date": end(1)}, "technician_id"),
        ({"technician_id": "TECH", "date": end(-1)}, "date"),
        ({"technician_id": "TECH", "date": "31-12-2099"}, "date"),
        ({"technician_id": "TECH"}, "date"),
    ],
)
def test_pickup_bad_input_is_422(client, key, subscriber, onboarding, body, field):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    if body.get("technician_id") == "TECH":
        body = {**body, "technician_id": onboarding.technician.pk}
    before = rows()
    error = assert_error(
        call(client, "post", f"/closures/{closure.pk}/pickup", key, body), 422, "validation_error"
    )
    assert field in error["fields"], error
    assert rows() == before


def test_pickup_with_a_non_technician_names_the_field(client, key, subscriber, closing):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    body = {"technician_id": closing.pk, "date": end(1)}
    error = assert_error(
        call(client, "post", f"/closures/{closure.pk}/pickup", key, body), 422, "validation_error"
    )
    assert set(error["fields"]) == {"technician_id"}
    assert not WorkOrder.objects.filter(kind="pickup").exists()


def test_check_in_charges_from_the_price_list(client, key, subscriber, prices):
    customer, sub = subscriber
    closure = file_request(sub, customer.user, return_method="dropoff")
    ont = ont_of(sub)
    body = {"items": [{"equipment_id": ont.pk, "condition": "damaged"}], "via": "dropoff"}
    response = call(client, "post", f"/closures/{closure.pk}/check-in", key, body)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["equipment_out"] == [] and out["status"] == "in_progress"
    assert [(i["serial"], i["charge"]) for i in out["items"]] == [(ont.serial, 300_000)]
    ont.refresh_from_db()
    assert ont.status == "damaged"
    # Checked in already: the device is no longer at the customer's.
    before = rows()
    error = assert_error(
        call(client, "post", f"/closures/{closure.pk}/check-in", key, body),
        422,
        "validation_error",
    )
    assert "items" in error["fields"]
    assert rows() == before


@pytest.mark.parametrize(
    "items, via, field",
    [
        ([], "dropoff", "items"),
        ([{"equipment_id": "ONT"}], "dropoff", "items.0.equipment_id"),
        ([{"equipment_id": 1, "condition": "broken"}], "dropoff", "items.0.condition"),
        (["ONT"], "mail", "via"),
        (["ONT", "ONT"], "dropoff", "items.1.equipment_id"),
        ([{"equipment_id": 987654, "condition": "good"}], "dropoff", "items"),
    ],
)
def test_check_in_bad_input_is_422(client, key, subscriber, items, via, field):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    ont = {"equipment_id": ont_of(sub).pk, "condition": "good"}
    items = [ont if i == "ONT" else i for i in items]
    before = rows()
    error = assert_error(
        call(client, "post", f"/closures/{closure.pk}/check-in", key, {"items": items, "via": via}),
        422,
        "validation_error",
    )
    assert field in error["fields"], error
    assert rows() == before


def test_a_technician_checks_in_only_on_their_own_pickup(client, subscriber, onboarding, closing):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    body = {"items": [{"equipment_id": ont_of(sub).pk, "condition": "good"}], "via": "pickup"}
    other = factories.staff_user(Role.TECHNICIAN)
    # No pickup job yet: not theirs.
    url = f"/closures/{closure.pk}/check-in"
    assert_error(
        call(client, "post", url, token_for(user=onboarding.technician), body), 404, "not_found"
    )
    services.closure_pickup_schedule(
        closure_id=closure.pk,
        technician_id=onboarding.technician.pk,
        date=timezone.localdate(),
        actor=closing,
    )
    before = rows()
    assert_error(call(client, "post", url, token_for(user=other), body), 404, "not_found")
    assert rows() == before
    response = call(client, "post", url, token_for(user=onboarding.technician), body)
    assert response.status_code == 200, response.content
    assert response.json()["pickup"]["status"] == "completed"


# --- settle, refund, write-off, close -------------------------------------------------------


def test_settle_refuses_before_the_end_and_with_equipment_out(client, key, subscriber, closing):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    url = f"/closures/{closure.pk}/settle"
    before = rows()
    assert_error(call(client, "post", url, key), 409, "closure.illegal_transition")
    assert rows() == before
    services.closures_sweep(today=closure.end_date)
    before = rows()
    body = assert_error(call(client, "post", url, key), 409, "closure.guard_failed")
    assert ont_of(sub).serial in body["message"]
    assert rows() == before


def test_settle_refund_and_the_request_closes(client, key, subscriber, closing):
    customer, sub = subscriber
    closure = file_request(sub, customer.user, return_method="dropoff")
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont_of(sub).pk: "good"}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    response = call(client, "post", f"/closures/{closure.pk}/settle", key)
    assert response.status_code == 200, response.content
    out = response.json()
    due = out["settlement"]["refund_due"]
    assert out["status"] == "settled" and due > 0 and out["actions"] == []

    url = f"/closures/{closure.pk}/refund"
    refund = {"amount": due + 1, "method": "bank_transfer", "reference": "TRF-RF-1"}
    before = rows()
    error = assert_error(call(client, "post", url, key, refund), 422, "validation_error")
    assert set(error["fields"]) == {"amount"}
    assert rows() == before

    response = call(client, "post", url, key, {**refund, "amount": due, "note": "BCA"})
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["status"] == "closed" and out["settlement"]["refund"]["amount"] == due
    assert out["settlement"]["refund"]["reference"] == "TRF-RF-1"
    sub.refresh_from_db()
    assert sub.state == "closed"
    before = rows()
    assert_error(call(client, "post", url, key, refund), 409, "closure.not_settled")
    assert_error(
        call(client, "post", f"/closures/{closure.pk}/close", key),
        409,
        "closure.illegal_transition",
    )
    assert rows() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": "banyak", "method": "cash", "reference": "KW-1"}, "amount"),
        ({"amount": "DUE", "method": "cheque", "reference": "KW-1"}, "method"),
        ({"amount": "DUE", "method": "cash"}, "reference"),
        ({"amount": "DUE", "method": "cash", "reference": "x" * 65}, "reference"),
        ({"amount": "DUE", "method": "cash", "reference": "  "}, "reference"),
        ({"amount": 0, "method": "cash", "reference": "KW-1"}, "amount"),
        ({"amount": -5, "method": "cash", "reference": "KW-1"}, "amount"),
        ({"amount": 1, "method": "cash", "reference": "KW-1"}, "amount"),  # less than due
    ],
)
def test_refund_bad_input_is_422(client, key, subscriber, closing, body, field):
    customer, sub = subscriber
    closure = settled(sub, customer, closing)
    if body["amount"] == "DUE":
        body = {**body, "amount": closure.settlement.refund_due}
    before = rows()
    error = assert_error(
        call(client, "post", f"/closures/{closure.pk}/refund", key, body), 422, "validation_error"
    )
    assert set(error["fields"]) == {field}, error
    assert rows() == before


def test_refund_before_settlement_is_409(client, key, subscriber):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    body = {"amount": 1, "method": "cash", "reference": "KW-1"}
    assert_error(
        call(client, "post", f"/closures/{closure.pk}/refund", key, body),
        409,
        "closure.not_settled",
    )


def test_write_off_is_for_managers(client, key, subscriber, closing, prices):
    customer, sub = subscriber
    closure = settled(sub, customer, closing, condition="missing")
    owed = closure.settlement.balance_left
    assert owed > 0
    url = f"/closures/{closure.pk}/write-off"
    body = {"reason": "Pelanggan pindah kota"}
    manager = token_for(Role.MANAGER)
    before = rows()
    assert_error(call(client, "post", url, key, body), 403, "forbidden")  # the closing team
    assert rows() == before
    error = assert_error(
        call(client, "post", url, manager, {"reason": "x"}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"reason"}
    assert rows() == before
    response = call(client, "post", url, manager, body)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["status"] == "closed" and out["written_off"] == owed
    assert out["write_off_reason"] == "Pelanggan pindah kota"
    assert_error(call(client, "post", url, manager, body), 409, "closure.not_settled")


def test_close_waits_for_the_payment(client, key, subscriber, closing, onboarding, prices):
    customer, sub = subscriber
    closure = settled(sub, customer, closing, condition="damaged")
    url = f"/closures/{closure.pk}/close"
    before = rows()
    assert_error(call(client, "post", url, key), 409, "closure.guard_failed")
    assert rows() == before
    payment_record(
        customer_id=customer.pk,
        amount=closure.settlement.balance_left,
        method="cash",
        reference="KW-LAST",
        actor=onboarding.finance,
    )
    detail = call(client, "get", f"/closures/{closure.pk}", key).json()
    assert detail["actions"] == ["close"]
    response = call(client, "post", url, key)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"


# --- offers ---------------------------------------------------------------------------------


def test_offer_and_answer(client, key, subscriber, onboarding):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    url = f"/closures/{closure.pk}/offers"
    response = call(client, "post", url, key, {"text": "Gratis upgrade 3 bulan", "credit": 50_000})
    assert response.status_code == 201, response.content
    offer = response.json()
    assert offer["outcome"] == "pending" and offer["credit"] == 50_000
    # An offer id under another request: 404.
    other_customer, other_sub = onboarding.active()
    other = file_request(other_sub, other_customer.user)
    before = rows()
    assert_error(
        call(client, "post", url, key, {"text": "Diskon lagi"}), 409, "closure.offer_pending"
    )
    assert rows() == before
    answer = f"/closures/{other.pk}/offers/{offer['id']}/answer"
    assert_error(call(client, "post", answer, key, {"accept": True}), 404, "not_found")
    assert rows() == before

    answer = f"/closures/{closure.pk}/offers/{offer['id']}/answer"
    error = assert_error(
        call(client, "post", answer, key, {"accept": "perhaps"}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"accept"}
    response = call(client, "post", answer, key, {"accept": True})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert customer.adjustments.get().amount == -50_000
    before = rows()
    assert_error(
        call(client, "post", answer, key, {"accept": False}), 409, "closure.offer_answered"
    )
    assert_error(
        call(client, "post", url, key, {"text": "Lagi dong"}), 409, "closure.offer_too_late"
    )
    assert rows() == before


@pytest.mark.parametrize(
    "body, field",
    [({"text": "ok"}, "text"), ({"text": "Diskon 20%", "credit": -1}, "credit"), ({}, "text")],
)
def test_offer_bad_input_is_422(client, key, subscriber, body, field):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    before = rows()
    error = assert_error(
        call(client, "post", f"/closures/{closure.pk}/offers", key, body), 422, "validation_error"
    )
    assert field in error["fields"]
    assert rows() == before


# --- the price list -------------------------------------------------------------------------


def test_price_list_read_and_replaced(client, key, prices):
    response = call(client, "get", "/closures/equipment-prices", token_for(Role.CUSTOMER_SERVICE))
    assert response.status_code == 200
    assert [p["kind"] for p in response.json()] == ["ont", "router"]
    new = {
        "prices": [
            {"kind": "modem", "damaged_charge": 100_000, "missing_charge": 250_000},
            {"kind": "ont", "damaged_charge": 350_000, "missing_charge": 800_000},
        ]
    }
    response = call(client, "put", "/closures/equipment-prices", key, new)
    assert response.status_code == 200, response.content
    assert response.json() == sorted(new["prices"], key=lambda p: p["kind"])
    assert sorted(EquipmentPrice.objects.values_list("kind", "damaged_charge")) == [
        ("modem", 100_000),
        ("ont", 350_000),
    ]


@pytest.mark.parametrize(
    "prices_in, field",
    [
        (
            [
                {"kind": "ont", "damaged_charge": 1, "missing_charge": 2},
                {"kind": "ont", "damaged_charge": 3, "missing_charge": 4},
            ],
            "prices.1.kind",
        ),
        ([{"kind": "ont", "damaged_charge": -1, "missing_charge": 2}], "prices.0.damaged_charge"),
        (
            [
                {"kind": "modem", "damaged_charge": 1, "missing_charge": 2},
                {"kind": "ont", "damaged_charge": 1, "missing_charge": 100_000_001},
            ],
            "prices.1.missing_charge",
        ),
        ([{"kind": "fax", "damaged_charge": 1, "missing_charge": 2}], "prices.0.kind"),
        ([{"kind": "ont", "damaged_charge": 1}], "prices.0.missing_charge"),
        ("none", "prices"),
    ],
)
def test_price_list_bad_input_is_422(client, key, prices, prices_in, field):
    body = {} if prices_in == "none" else {"prices": prices_in}
    before = rows()
    error = assert_error(
        call(client, "put", "/closures/equipment-prices", key, body), 422, "validation_error"
    )
    assert field in error["fields"], error
    assert rows() == before


# --- the role matrix (staff) ----------------------------------------------------------------

# (method, path, capability, a body that fails validation or None). Without a bad body an
# allowed role meets the request's state instead: 409, still nothing written.
STAFF = [
    ("get", "/closures", "closures.view", None),
    ("post", "/closures", "closures.work", {}),
    ("get", "/closures/equipment-prices", "closures.view", None),
    ("put", "/closures/equipment-prices", "closures.work", {}),
    ("get", "/closures/{c}", "closures.view", None),
    ("post", "/closures/{c}/process", "closures.work", {"note": []}),
    ("post", "/closures/{c}/cancel", "closures.work", {"reason": []}),
    ("post", "/closures/{c}/pickup", "closures.work", {}),
    ("post", "/closures/{c}/check-in", "closures.check_in", {}),
    ("post", "/closures/{c}/settle", "closures.work", None),
    ("post", "/closures/{c}/refund", "closures.refund", {}),
    ("post", "/closures/{c}/write-off", "closures.write_off", {}),
    ("post", "/closures/{c}/close", "closures.work", None),
    ("post", "/closures/{c}/offers", "closures.work", {}),
    ("post", "/closures/{c}/offers/{o}/answer", "closures.work", {}),
]


@pytest.fixture
def world(subscriber, closing):
    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    offer = services.retention_offer_make(
        closure_id=closure.pk, text="Diskon 50% dua bulan", credit=0, actor=closing
    )
    return {"c": closure.pk, "o": offer.pk, "customer": customer}


@pytest.mark.parametrize("endpoint", STAFF, ids=lambda e: f"{e[0]} {e[1]}")
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_staff_role_matrix(client, world, role, endpoint):
    method, path, capability, bad = endpoint
    user = factories.staff_user(role)
    before = rows()
    response = call(client, method, path.format(**world), token_for(user=user), bad)
    if not has_capability(user, capability):
        assert_error(response, 403, "forbidden")
    elif method == "get":
        assert response.status_code == 200, (role, path, response.content)
    elif bad is not None:
        assert_error(response, 422, "validation_error")
    else:  # settle, close on a new request
        assert_error(response, 409, "closure.illegal_transition")
    assert rows() == before


@pytest.mark.parametrize(
    "method, path, bad", [(m, p, b) for m, p, _c, b in STAFF], ids=lambda v: str(v)
)
def test_anonymous_is_401(client, world, method, path, bad):
    before = rows()
    response = call(client, method, path.format(**world), body=bad)
    assert_error(response, 401, "unauthenticated")
    assert rows() == before


@pytest.mark.parametrize("endpoint", STAFF, ids=lambda e: f"{e[0]} {e[1]}")
def test_staff_unknown_id_is_404(client, world, endpoint):
    method, path, _capability, _bad = endpoint
    if "{" not in path:
        return
    valid = {
        "/closures/{c}/pickup": {"technician_id": 1, "date": end(1)},
        "/closures/{c}/check-in": {
            "items": [{"equipment_id": 1, "condition": "good"}],
            "via": "dropoff",
        },
        "/closures/{c}/refund": {"amount": 1, "method": "cash", "reference": "KW-1"},
        "/closures/{c}/write-off": {"reason": "Pindah kota"},
        "/closures/{c}/offers": {"text": "Diskon 50%"},
        "/closures/{c}/offers/{o}/answer": {"accept": True},
    }.get(path, {} if method == "post" else None)
    admin = token_for(Role.ADMIN)
    before = rows()
    for ids in ({"c": 987654, "o": world["o"]}, {"c": world["c"], "o": 987654}):
        if "{o}" not in path and ids["o"] == 987654:
            continue
        response = call(client, method, path.format(**ids), admin, valid)
        assert_error(response, 404, "not_found")
    assert rows() == before


# --- customers --------------------------------------------------------------------------------
# Customers close in the portal; the API is for staff and integrations (decision 0008).


def test_a_customers_token_opens_no_staff_endpoint(client, world):
    key = token_for(user=world["customer"].user)
    assert_error(call(client, "get", "/closures", key), 403, "forbidden")
    assert_error(call(client, "get", f"/closures/{world['c']}", key), 403, "forbidden")
