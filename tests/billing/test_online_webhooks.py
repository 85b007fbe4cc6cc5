"""Online payments, gateway notifications: signed Midtrans notifications and Xendit callbacks
built here, posted to the webhooks, applied by the task after commit. The matrix of bad input:
a forged signature or token, a replayed delivery, out-of-order statuses, a wrong amount or
currency, an unknown order, a malformed body, too many requests."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from ispcare.billing import online
from ispcare.billing.models import GatewayEvent, Invoice, Payment, PaymentLink
from ispcare.customers.choices import SubscriptionState
from tests.billing.test_online_services import (  # noqa: F401 (fixtures)
    isolated_for_overdue,
    midtrans_standin,
    xendit_standin,
)
from tests.doubles.midtrans import notification
from tests.doubles.xendit import callback

pytestmark = pytest.mark.django_db
MIDTRANS_URL = "/webhooks/payments/midtrans/"
XENDIT_URL = "/webhooks/payments/xendit/"


@pytest.fixture
def hooks(django_capture_on_commit_callbacks):
    """post(url, body) -> response, with the after-commit task run as the worker would."""
    client = Client()

    def post(url, body, **headers):
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, raw, content_type="application/json", headers=headers)

    return post


@pytest.fixture
def mt_link(onboarding, midtrans_standin):  # noqa: F811
    customer, sub, invoice = isolated_for_overdue(onboarding)
    link = online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    return link, sub, invoice, midtrans_standin.server_key


@pytest.fixture
def xn_link(onboarding, xendit_standin):  # noqa: F811
    customer, sub, invoice = isolated_for_overdue(onboarding)
    link = online.payment_link_create(customer_id=customer.pk, gateway="xendit", actor=None)
    return link, sub, invoice, xendit_standin.callback_token


def mt(link, key, **kw):
    kw.setdefault("gross_amount", link.amount)
    return notification(order_id=link.order_id, server_key=key, **kw)


def xn(link, **kw):
    kw.setdefault("amount", link.amount)
    return callback(invoice_id=link.external_id, external_id=link.order_id, **kw)


def online_payments():
    return Payment.objects.filter(method__in=["midtrans", "xendit"])


def refreshed(*objs):
    for obj in objs:
        obj.refresh_from_db()


# --- Midtrans ---------------------------------------------------------------------------------


def test_settlement_records_the_payment_and_lifts_the_isolation(hooks, mt_link):
    link, sub, invoice, key = mt_link
    note = mt(link, key, transaction_id="tx-0001")
    response = hooks(MIDTRANS_URL, note)
    assert response.status_code == 200 and response.json()["duplicate"] is False
    refreshed(link, sub, invoice)
    payment = online_payments().get()
    assert (payment.method, payment.reference, payment.amount) == (
        "midtrans",
        "tx-0001",
        link.amount,
    )
    assert (link.status, link.payment, link.transaction_id) == ("paid", payment, "tx-0001")
    assert invoice.status == "paid"
    assert sub.state == SubscriptionState.ACTIVE
    event = GatewayEvent.objects.get()
    assert (event.outcome, event.event_status, event.amount) == (
        "applied",
        "settlement",
        link.amount,
    )
    assert event.dedup_key == "tx-0001:settlement:accept" and event.processed_at


def test_a_repeated_delivery_answers_200_and_changes_nothing(hooks, mt_link):
    link, _sub, _invoice, key = mt_link
    note = mt(link, key, transaction_id="tx-0002")
    assert hooks(MIDTRANS_URL, note).status_code == 200
    again = hooks(MIDTRANS_URL, note)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert online_payments().count() == 1 and GatewayEvent.objects.count() == 1


def test_capture_counts_only_with_fraud_status_accept(hooks, mt_link):
    link, sub, _invoice, key = mt_link
    challenged = mt(
        link,
        key,
        transaction_status="capture",
        fraud_status="challenge",
        transaction_id="tx-cc",
        payment_type="credit_card",
    )
    hooks(MIDTRANS_URL, challenged)
    refreshed(link, sub)
    assert link.status == "pending" and online_payments().count() == 0
    assert sub.state == SubscriptionState.ISOLATED
    accepted = mt(
        link,
        key,
        transaction_status="capture",
        fraud_status="accept",
        transaction_id="tx-cc",
        payment_type="credit_card",
    )
    hooks(MIDTRANS_URL, accepted)
    refreshed(link, sub)
    assert link.status == "paid" and online_payments().get().reference == "tx-cc"
    assert sub.state == SubscriptionState.ACTIVE
    # The settlement that follows a capture is the same money.
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-cc", payment_type="credit_card"))
    assert online_payments().count() == 1
    assert GatewayEvent.objects.get(event_status="settlement").outcome == "duplicate"


def test_pending_after_settlement_never_unpays(hooks, mt_link):
    link, _sub, _invoice, key = mt_link
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-3"))
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-3", transaction_status="pending"))
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-3", transaction_status="expire"))
    refreshed(link)
    assert (link.status, link.gateway_status) == ("paid", "settlement")
    assert online_payments().count() == 1
    outcomes = dict(GatewayEvent.objects.values_list("event_status", "outcome"))
    assert outcomes == {"settlement": "applied", "pending": "stale", "expire": "stale"}


def test_pending_then_settlement_pays(hooks, mt_link):
    link, _sub, _invoice, key = mt_link
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-4", transaction_status="pending"))
    refreshed(link)
    assert (link.status, link.gateway_status) == ("pending", "pending")
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-4"))
    refreshed(link)
    assert link.status == "paid"


@pytest.mark.parametrize(
    ("word", "status"), [("deny", "failed"), ("cancel", "failed"), ("expire", "expired")]
)
def test_deny_cancel_expire_only_change_the_link(hooks, mt_link, word, status):
    link, sub, _invoice, key = mt_link
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-5", transaction_status=word))
    refreshed(link, sub)
    assert link.status == status and online_payments().count() == 0
    assert sub.state == SubscriptionState.ISOLATED


def test_a_settlement_after_expiry_still_counts(hooks, mt_link):
    """Money the gateway received is never dropped, whatever came before."""
    link, _sub, _invoice, key = mt_link
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-6", transaction_status="expire"))
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-6"))
    refreshed(link)
    assert link.status == "paid" and online_payments().count() == 1


def test_a_wrong_amount_is_flagged_and_not_applied(hooks, mt_link):
    link, sub, invoice, key = mt_link
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-7", gross_amount=link.amount - 1000))
    refreshed(link, sub, invoice)
    assert link.status == "flagged" and "Rp" in link.flag_reason
    assert online_payments().count() == 0 and invoice.status == "issued"
    assert sub.state == SubscriptionState.ISOLATED
    assert GatewayEvent.objects.get().outcome == "flagged"
    # A later correct-looking settlement of the same link does not slip past the flag.
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-7b"))
    refreshed(link)
    assert link.status == "flagged" and online_payments().count() == 0


def test_a_decimal_amount_is_flagged(hooks, mt_link):
    link, _sub, _invoice, key = mt_link
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-8", gross_amount=f"{link.amount}.50"))
    refreshed(link)
    assert link.status == "flagged" and online_payments().count() == 0


def test_a_currency_other_than_rupiah_is_flagged(hooks, mt_link):
    link, _sub, _invoice, key = mt_link
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-9", currency="USD"))
    refreshed(link)
    assert link.status == "flagged" and "USD" in link.flag_reason
    assert online_payments().count() == 0


def test_an_unknown_order_is_kept_but_changes_nothing(hooks, mt_link):
    _link, _sub, _invoice, key = mt_link
    note = notification(order_id="NO-SUCH-ORDER", gross_amount=100_000, server_key=key)
    assert hooks(MIDTRANS_URL, note).status_code == 200
    assert GatewayEvent.objects.get().outcome == "unknown"
    assert online_payments().count() == 0


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature_key": "0" * 128},
        {"gross_amount": "1.00"},  # the amount changed after signing
        {"status_code": "201"},
        {"order_id": "SOMEONE-ELSE"},
    ],
)
def test_a_forged_signature_is_refused_and_not_stored(hooks, mt_link, tamper):
    link, sub, _invoice, key = mt_link
    note = {**mt(link, key, transaction_id="tx-f"), **tamper}
    response = hooks(MIDTRANS_URL, note)
    assert response.status_code == 403 and response.json()["code"] == "bad_signature"
    refreshed(link, sub)
    assert link.status == "pending" and sub.state == SubscriptionState.ISOLATED
    assert GatewayEvent.objects.count() == 0 and online_payments().count() == 0
    # The real one still goes through afterwards (the forgery did not take its dedup key).
    assert hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-f")).status_code == 200
    refreshed(link)
    assert link.status == "paid"


def test_signed_with_another_key_is_refused(hooks, mt_link):
    link, _sub, _invoice, _key = mt_link
    response = hooks(MIDTRANS_URL, mt(link, "SB-Mid-server-attacker"))
    assert response.status_code == 403
    assert GatewayEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        ("[1, 2]", "invalid_payload"),
        ({"order_id": "X"}, "invalid_payload"),
        (
            {
                "order_id": "X",
                "status_code": 200,
                "gross_amount": "1.00",
                "transaction_status": "settlement",
                "signature_key": "x",
            },
            "invalid_payload",
        ),
    ],
)
def test_malformed_bodies_answer_400_with_a_code(hooks, mt_link, body, code):
    response = hooks(MIDTRANS_URL, body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert GatewayEvent.objects.count() == 0


def test_webhook_takes_only_post(client):
    assert client.get(MIDTRANS_URL).status_code == 405
    assert client.get(XENDIT_URL).status_code == 405


def test_webhooks_are_rate_limited(hooks, mt_link, settings):
    link, _sub, _invoice, key = mt_link
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "webhook": (2, 60)}
    cache.clear()
    try:
        forged = {**mt(link, key), "signature_key": "0" * 128}
        assert hooks(MIDTRANS_URL, forged).status_code == 403
        assert hooks(MIDTRANS_URL, forged).status_code == 403
        response = hooks(MIDTRANS_URL, mt(link, key))
        assert response.status_code == 429 and response.json()["code"] == "rate_limited"
        assert hooks(XENDIT_URL, {}).status_code == 429
    finally:
        cache.clear()
    assert GatewayEvent.objects.count() == 0


def test_applying_an_event_twice_is_one_payment(hooks, mt_link):
    link, _sub, _invoice, key = mt_link
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-10"))
    event = GatewayEvent.objects.get()
    assert online.gateway_event_apply(event_id=event.pk) == "applied"
    assert online_payments().count() == 1


def test_the_return_path_and_the_notification_are_one_payment(
    hooks,
    mt_link,
    midtrans_standin,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The customer comes back before the notification: ISPcare asks Midtrans's status API;
    the notification that arrives afterwards is the same payment."""
    link, sub, _invoice, key = mt_link
    (token,) = midtrans_standin.transactions
    note = mt(link, key, transaction_id=midtrans_standin.transactions[token]["transaction_id"])
    midtrans_standin.transactions[token]["status"] = note  # paid at Midtrans, not notified yet
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        online.payment_link_refresh(link_id=link.pk)
    refreshed(link, sub)
    assert link.status == "paid" and sub.state == SubscriptionState.ACTIVE
    response = hooks(MIDTRANS_URL, note)
    assert response.status_code == 200 and response.json()["duplicate"] is True
    assert online_payments().count() == 1


# --- Xendit -----------------------------------------------------------------------------------


def test_xendit_paid_records_the_payment(hooks, xn_link):
    link, sub, invoice, token = xn_link
    response = hooks(XENDIT_URL, xn(link), **{"x-callback-token": token})
    assert response.status_code == 200
    refreshed(link, sub, invoice)
    payment = online_payments().get()
    assert (payment.method, payment.reference) == ("xendit", link.external_id)
    assert link.status == "paid" and invoice.status == "paid"
    assert sub.state == SubscriptionState.ACTIVE


def test_xendit_paid_then_settled_is_one_payment(hooks, xn_link):
    link, _sub, _invoice, token = xn_link
    hooks(XENDIT_URL, xn(link), **{"x-callback-token": token})
    hooks(XENDIT_URL, xn(link, status="SETTLED"), **{"x-callback-token": token})
    hooks(XENDIT_URL, xn(link), **{"x-callback-token": token})  # redelivered
    assert online_payments().count() == 1
    assert sorted(GatewayEvent.objects.values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
    ]


def test_xendit_expired_expires_the_link(hooks, xn_link):
    link, _sub, _invoice, token = xn_link
    hooks(XENDIT_URL, xn(link, status="EXPIRED"), **{"x-callback-token": token})
    refreshed(link)
    assert link.status == "expired" and online_payments().count() == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [({"paid_amount": 1_000}, "Rp"), ({"currency": "PHP"}, "PHP")],
)
def test_xendit_mismatch_is_flagged(hooks, xn_link, change, words):
    link, sub, _invoice, token = xn_link
    hooks(XENDIT_URL, xn(link, **change), **{"x-callback-token": token})
    refreshed(link, sub)
    assert link.status == "flagged" and words in link.flag_reason
    assert online_payments().count() == 0 and sub.state == SubscriptionState.ISOLATED
    assert GatewayEvent.objects.get().outcome == "flagged"


@pytest.mark.parametrize("headers", [{}, {"x-callback-token": "wrong"}, {"x-callback-token": ""}])
def test_xendit_wrong_token_is_refused(hooks, xn_link, headers):
    link, _sub, _invoice, _token = xn_link
    response = hooks(XENDIT_URL, xn(link), **headers)
    assert response.status_code == 403 and response.json()["code"] == "bad_token"
    refreshed(link)
    assert link.status == "pending"
    assert GatewayEvent.objects.count() == 0 and online_payments().count() == 0


def test_xendit_malformed(hooks, xn_link):
    _link, _sub, _invoice, token = xn_link
    bad = hooks(XENDIT_URL, b"<xml/>", **{"x-callback-token": token})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_json"
    missing = hooks(XENDIT_URL, {"status": "PAID"}, **{"x-callback-token": token})
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_payload"
    assert set(missing.json()["fields"]) == {"id", "external_id"}


def test_no_configured_token_refuses_everything(hooks, xn_link, settings):
    link, _sub, _invoice, _token = xn_link
    settings.XENDIT = {**settings.XENDIT, "callback_token": ""}
    assert hooks(XENDIT_URL, xn(link), **{"x-callback-token": ""}).status_code == 403


def test_the_link_and_invoice_are_left_alone_by_another_customers_notice(
    hooks, onboarding, mt_link
):
    """A notice names an order id: only that link's customer is paid."""
    link, _sub, _invoice, key = mt_link
    _other, _osub, other_invoice = isolated_for_overdue(onboarding)
    hooks(MIDTRANS_URL, mt(link, key, transaction_id="tx-own"))
    assert online_payments().get().customer_id == link.customer_id
    assert Invoice.objects.get(pk=other_invoice.pk).status == "issued"
    assert PaymentLink.objects.get(pk=link.pk).status == "paid"
