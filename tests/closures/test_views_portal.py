"""The customer's closing pages: my requests, the request form (every bad input answers 422
with the field's error and writes nothing; a second request is refused clearly), the
instructions page (equipment by serial, pickup or drop-off, the settlement), cancelling
only while requested, answering an offer, the statement PDF only once settled; another
customer's request is 404 on every route and staff get 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from ispcare.closures import services
from ispcare.closures.models import Closure, RetentionOffer
from ispcare.customers.models import Equipment, Event
from ispcare.notifications.models import Notification
from tests import factories

from ..billing.test_pdf import pdf_text
from .support import request

pytestmark = pytest.mark.django_db

ROUTES_WITH_PK = ("closure", "cancel", "offer_answer", "statement")


def url(name: str, *args) -> str:
    return reverse(f"portal_closures:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def form_data(**overrides) -> dict:
    data = {
        "end_date": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "reason": "moving",
        "reason_text": "",
        "return_method": "pickup",
        "refund_bank": "BCA",
        "refund_account_number": "1234567890",
        "refund_account_name": "Dimas Saputra",
        "confirm": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def customer(subscriber, client):
    customer, _sub = subscriber
    client.force_login(customer.user)
    return customer


@pytest.fixture
def sub(subscriber):
    return subscriber[1]


@pytest.fixture
def others(onboarding, closing):
    """Another customer's request, with a pending offer."""
    someone, their_sub = onboarding.active()
    closure = request(their_sub, someone.user)
    offer = services.retention_offer_make(
        closure_id=closure.pk, text="Gratis upgrade 3 bulan", credit=0, actor=closing
    )
    return closure, offer


def settle(closure, closing, condition: str = "good"):
    ont = Equipment.objects.get(subscription=closure.subscription)
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: condition}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    return services.closure_settle(closure_id=closure.pk, actor=closing)


# --- index -----------------------------------------------------------------------------------


def test_index_goes_straight_to_the_form_with_one_subscription(client, customer, sub):
    page = text(client.get(url("index")))
    assert 'id="stop-button"' in page
    assert f"{url('request')}?subscription={sub.pk}" in page
    assert 'id="current-requests"' not in page


def test_index_lists_the_request_and_offers_no_second_one(client, customer, sub):
    closure = request(sub, customer.user)
    page = text(client.get(url("index")))
    assert closure.number in page and url("closure", closure.pk) in page
    assert 'id="current-requests"' in page and 'id="stop-button"' not in page


def test_past_requests_are_listed_and_a_new_one_is_possible(client, customer, sub):
    old = request(sub, customer.user)
    services.closure_cancel(closure_id=old.pk, actor=customer.user)
    page = text(client.get(url("index")))
    assert 'id="past-requests"' in page and old.number in page
    assert 'id="stop-button"' in page


def test_several_subscriptions_choose_first(client, customer, sub, onboarding):
    from ispcare.customers.models import Subscription

    second = Subscription.objects.create(
        customer=customer,
        plan=sub.plan,
        state="active",
        pppoe_username="kedua-" + sub.pppoe_username,
        pppoe_password="x" * 12,
    )
    page = text(client.get(url("index")))
    assert 'id="stop-button"' not in page
    assert f"?subscription={sub.pk}" in page and f"?subscription={second.pk}" in page
    chooser = client.get(url("request"))
    assert chooser.status_code == 200 and 'id="choose-subscription"' in text(chooser)
    assert second.pppoe_username in text(chooser)


def test_dashboard_links_to_closing(client, customer):
    page = text(client.get(reverse("portal:dashboard")))
    assert url("index") in page


# --- the form --------------------------------------------------------------------------------


def test_form_summarises_what_will_happen(client, customer, sub):
    ont = Equipment.objects.get(subscription=sub)
    response = client.get(url("request"), {"subscription": sub.pk})
    assert response.status_code == 200
    page = text(response)
    assert ont.serial in page and ont.model_name in page
    assert 'id="summary-deposit">Rp 300.000<' in page
    assert 'id="summary-balance">Rp 0<' in page
    default = timezone.localdate() + dt.timedelta(days=7)
    assert f'value="{default.isoformat()}"' in page
    assert f'min="{timezone.localdate().isoformat()}"' in page
    assert 'type="date"' in page
    assert "Jl. Pendidikan" in page  # the drop-off address next to its choice


def test_request_is_recorded_and_shows_the_instructions(client, customer, sub):
    response = client.post(f"{url('request')}?subscription={sub.pk}", form_data())
    closure = Closure.objects.get()
    assert response.status_code == 302 and response.url == url("closure", closure.pk)
    assert closure.channel == "portal" and closure.requested_by == customer.user
    assert closure.end_date == timezone.localdate() + dt.timedelta(days=10)
    assert (closure.refund_bank, closure.refund_account_number) == ("BCA", "1234567890")
    page = text(client.get(response.url))
    assert closure.number in page and "msg-success" in page
    assert Equipment.objects.get(subscription=sub).serial in page


def test_without_bank_details_the_refund_is_cash(client, customer, sub):
    data = form_data(refund_bank="", refund_account_number="", refund_account_name="")
    data.update(reason="other", reason_text="Mau pakai paket kantor saja", return_method="dropoff")
    response = client.post(f"{url('request')}?subscription={sub.pk}", data)
    assert response.status_code == 302
    closure = Closure.objects.get()
    assert closure.refund_bank == "" and closure.return_method == "dropoff"
    page = text(client.get(response.url))
    assert 'id="dropoff-address"' in page and "Jl. Pendidikan" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "2020-01-01"}, "end_date"),
        ({"end_date": "besok"}, "end_date"),
        ({"end_date": None}, "end_date"),
        ({"reason": None}, "reason"),
        ({"reason": "bosan"}, "reason"),
        ({"reason": "other", "reason_text": ""}, "reason_text"),
        ({"reason": "other", "reason_text": "  ab "}, "reason_text"),
        ({"refund_account_name": ""}, "refund_account_name"),
        ({"refund_bank": "", "refund_account_name": ""}, "refund_bank"),
        ({"refund_account_number": "12AB34"}, "refund_account_number"),
        ({"return_method": None}, "return_method"),
        ({"confirm": None}, "confirm"),
    ],
)
def test_bad_input_is_refused_field_by_field(client, customer, sub, overrides, field):
    before = (Event.objects.count(), Notification.objects.count())
    response = client.post(f"{url('request')}?subscription={sub.pk}", form_data(**overrides))
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors.get(field), form.errors
    assert f'id="id_{field}_error"' in text(response) or field in ("reason", "return_method")
    assert not Closure.objects.exists()
    assert (Event.objects.count(), Notification.objects.count()) == before


def test_all_mistakes_show_at_once(client, customer, sub):
    data = form_data(reason="other", reason_text="", refund_account_name="", confirm=None)
    response = client.post(f"{url('request')}?subscription={sub.pk}", data)
    assert response.status_code == 422
    assert {"reason_text", "refund_account_name", "confirm"} <= set(response.context["form"].errors)


def test_the_service_has_the_last_word(client, customer, sub):
    """Rules only the service knows (here: six months at most) come back onto the field."""
    far = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    response = client.post(f"{url('request')}?subscription={sub.pk}", form_data(end_date=far))
    assert response.status_code == 422
    assert response.context["form"].errors["end_date"]
    assert not Closure.objects.exists()


def test_a_second_request_is_refused_clearly(client, customer, sub):
    first = request(sub, customer.user)
    response = client.post(f"{url('request')}?subscription={sub.pk}", form_data())
    assert response.status_code == 409
    page = text(response)
    assert "errorlist nonfield" in page and url("closure", first.pk) in page
    assert Closure.objects.count() == 1
    # Opening the form again leads to the open request instead.
    again = client.get(url("request"), {"subscription": sub.pk})
    assert again.status_code == 302 and again.url == url("closure", first.pk)


def test_a_subscription_not_running_cannot_be_stopped(client, customer, sub):
    sub.state = "pending_installation"
    sub.save(update_fields=["state"])
    response = client.get(url("request"), {"subscription": sub.pk})
    assert response.status_code == 302 and response.url == url("index")
    response = client.post(f"{url('request')}?subscription={sub.pk}", form_data())
    assert response.status_code == 409
    assert not Closure.objects.exists()


def test_request_is_rate_limited_on_posts(client, customer, sub, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "closure_request": (2, 3600)}
    cache.clear()
    target = f"{url('request')}?subscription={sub.pk}"
    for _ in range(2):
        assert client.post(target, form_data(confirm=None)).status_code == 422
    assert client.post(target, form_data()).status_code == 429
    assert not Closure.objects.exists()
    assert client.get(target).status_code == 200  # reading the form is not limited
    cache.clear()


# --- the instructions page -------------------------------------------------------------------


def test_instructions_name_the_equipment_and_the_pickup(client, customer, sub, closing, onboarding):
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user)
    page = text(client.get(url("closure", closure.pk)))
    assert ont.serial in page and 'class="badge dev-out"' in page
    assert 'id="closure-steps"' in page and 'id="cancel"' in page
    day = timezone.localdate() + dt.timedelta(days=2)
    services.closure_pickup_schedule(
        closure_id=closure.pk, technician_id=onboarding.technician.pk, date=day, actor=closing
    )
    page = text(client.get(url("closure", closure.pk)))
    assert 'id="pickup-date"' in page and onboarding.technician.first_name in page
    assert 'id="cancel"' not in page  # processed: no more cancelling here


def test_settled_request_shows_the_settlement(client, customer, sub, closing, prices):
    closure = request(sub, customer.user)
    settlement = settle(closure, closing, condition="damaged")
    page = text(client.get(url("closure", closure.pk)))
    assert 'id="settlement"' in page and url("statement", closure.pk) in page
    assert settlement.final_invoice.number in page
    assert reverse("portal_billing:invoice_pdf", args=[settlement.final_invoice.pk]) in page
    assert 'class="badge dev-damaged"' in page and "Rp 300.000" in page
    assert settlement.balance_left > 0
    assert f'id="still-to-pay">Rp {settlement.balance_left:,}'.replace(",", ".") in page
    assert reverse("portal_billing:invoices") in page and 'id="pay-link"' in page
    assert 'id="cancel"' not in page


def test_refund_paid_shows_its_reference(client, customer, sub, closing):
    closure = request(sub, customer.user)
    settlement = settle(closure, closing)
    services.closure_refund(
        closure_id=closure.pk,
        amount=settlement.refund_due,
        method="bank_transfer",
        reference="TRF-KEMBALI-77",
        actor=closing,
    )
    page = text(client.get(url("closure", closure.pk)))
    assert 'id="refund-paid"' in page and "TRF-KEMBALI-77" in page
    assert 'data-status="closed"' in page


def test_cancelled_and_withdrawn_requests_stay_readable(client, customer, sub, closing):
    closure = request(sub, customer.user)
    services.closure_cancel(closure_id=closure.pk, actor=customer.user, reason="Tidak jadi pindah")
    page = text(client.get(url("closure", closure.pk)))
    assert 'id="state-note"' in page and "Tidak jadi pindah" in page
    assert 'id="closure-steps"' not in page and 'id="cancel"' not in page


# --- cancelling ------------------------------------------------------------------------------


def test_cancel_while_requested(client, customer, sub):
    closure = request(sub, customer.user)
    response = client.post(url("cancel", closure.pk), {"reason": "Tidak jadi"})
    assert response.status_code == 302 and response.url == url("closure", closure.pk)
    closure.refresh_from_db()
    assert closure.status == "cancelled" and closure.cancel_reason == "Tidak jadi"
    cancelled_at = closure.cancelled_at
    # Again: a clear message, nothing changed.
    response = client.post(url("cancel", closure.pk), {}, follow=True)
    assert "msg-error" in text(response)
    closure.refresh_from_db()
    assert closure.cancelled_at == cancelled_at


def test_cancel_a_processed_request_changes_nothing(client, customer, sub, closing):
    closure = request(sub, customer.user)
    services.closure_process(closure_id=closure.pk, actor=closing)
    response = client.post(url("cancel", closure.pk), {}, follow=True)
    assert "msg-error" in text(response)
    closure.refresh_from_db()
    assert closure.status == "in_progress" and closure.cancelled_at is None


def test_cancel_is_post_only(client, customer, sub):
    closure = request(sub, customer.user)
    assert client.get(url("cancel", closure.pk)).status_code == 405
    closure.refresh_from_db()
    assert closure.status == "requested"


# --- offers ----------------------------------------------------------------------------------


def _offer(closure, closing, credit=100_000):
    return services.retention_offer_make(
        closure_id=closure.pk, text="Diskon 50% dua bulan", credit=credit, actor=closing
    )


def test_pending_offer_is_shown_and_accepting_withdraws(client, customer, sub, closing):
    closure = request(sub, customer.user)
    offer = _offer(closure, closing)
    page = text(client.get(url("closure", closure.pk)))
    assert 'id="offer"' in page and "Diskon 50% dua bulan" in page and "Rp 100.000" in page
    assert "cc-offer" in text(client.get(url("index")))  # the card flags the offer
    response = client.post(url("offer_answer", closure.pk), {"offer": offer.pk, "accept": "1"})
    assert response.status_code == 302
    closure.refresh_from_db()
    offer.refresh_from_db()
    assert closure.status == "withdrawn" and offer.outcome == "accepted"
    assert customer.adjustments.get().amount == -100_000
    page = text(client.get(url("closure", closure.pk)))
    assert 'id="offer"' not in page and 'data-status="withdrawn"' in page


def test_declining_lets_the_closing_go_on(client, customer, sub, closing):
    closure = request(sub, customer.user)
    offer = _offer(closure, closing)
    client.post(url("offer_answer", closure.pk), {"offer": offer.pk, "accept": "0"})
    closure.refresh_from_db()
    offer.refresh_from_db()
    assert closure.status == "requested" and offer.outcome == "declined"
    # A second answer: a clear message, nothing changes.
    response = client.post(
        url("offer_answer", closure.pk), {"offer": offer.pk, "accept": "1"}, follow=True
    )
    assert "msg-error" in text(response)
    closure.refresh_from_db()
    assert closure.status == "requested"


def test_accepting_after_the_service_ended_is_refused_clearly(client, customer, sub, closing):
    closure = request(sub, customer.user)
    offer = _offer(closure, closing)
    services.closures_sweep(today=closure.end_date)
    response = client.post(
        url("offer_answer", closure.pk), {"offer": offer.pk, "accept": "1"}, follow=True
    )
    assert "msg-error" in text(response)
    closure.refresh_from_db()
    offer.refresh_from_db()
    assert closure.status == "ended" and offer.outcome == "pending"
    assert not customer.adjustments.exists()


def test_an_offer_of_another_request_is_404(client, customer, sub, others):
    closure = request(sub, customer.user)
    _their_closure, their_offer = others
    response = client.post(
        url("offer_answer", closure.pk), {"offer": their_offer.pk, "accept": "1"}
    )
    assert response.status_code == 404
    # A form without its offer is told so and changes nothing.
    lost = client.post(url("offer_answer", closure.pk), {"offer": "x"})
    assert lost.status_code == 302 and lost["Location"] == url("closure", closure.pk)
    their_offer.refresh_from_db()
    assert their_offer.outcome == "pending"


# --- the statement ---------------------------------------------------------------------------


def test_statement_only_once_settled(client, customer, sub, closing):
    closure = request(sub, customer.user)
    assert client.get(url("statement", closure.pk)).status_code == 404
    settlement = settle(closure, closing)
    response = client.get(url("statement", closure.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    content = pdf_text(data)
    assert closure.number in content and settlement.final_invoice.number in content


# --- who sees what ---------------------------------------------------------------------------


def test_another_customers_request_is_404_everywhere(client, customer, sub, others, closing):
    their, offer = others
    # Settled, so that the statement exists for its owner.
    services.retention_offer_answer(offer_id=offer.pk, accept=False, actor=their.customer.user)
    settle(their, closing)
    assert client.get(url("closure", their.pk)).status_code == 404
    assert client.get(url("statement", their.pk)).status_code == 404
    assert client.post(url("cancel", their.pk)).status_code == 404
    assert (
        client.post(url("offer_answer", their.pk), {"offer": offer.pk, "accept": "1"}).status_code
        == 404
    )
    assert client.get(url("request"), {"subscription": their.subscription_id}).status_code == 404
    response = client.post(f"{url('request')}?subscription={their.subscription_id}", form_data())
    assert response.status_code == 404
    assert Closure.objects.filter(customer=customer).count() == 0
    their.refresh_from_db()
    assert their.status == "settled"


@pytest.mark.parametrize("role", ["closing", "customer_service", "manager"])
def test_staff_get_403(client, subscriber, role):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    client.force_login(factories.staff_user(role))
    assert client.get(url("index")).status_code == 403
    assert client.get(url("request")).status_code == 403
    assert client.post(url("request"), form_data()).status_code == 403
    for name in ROUTES_WITH_PK:
        method = client.post if name in ("cancel", "offer_answer") else client.get
        assert method(url(name, closure.pk)).status_code == 403, name
    closure.refresh_from_db()
    assert closure.status == "requested"


def test_anonymous_goes_to_login(client, subscriber):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    for name in ("index", "request"):
        assert client.get(url(name)).status_code == 302
    response = client.get(url("closure", closure.pk))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert not RetentionOffer.objects.exists()


def test_the_portal_stays_readable_after_closing(client, customer, sub, closing):
    """History stays: the dashboard, invoices, messages and the request after closing."""
    closure = request(sub, customer.user)
    settlement = settle(closure, closing)
    services.closure_refund(
        closure_id=closure.pk,
        amount=settlement.refund_due,
        method="bank_transfer",
        reference="TRF-KEMBALI-78",
        actor=closing,
    )
    sub.refresh_from_db()
    assert sub.state == "closed"
    for name in ("portal:dashboard", "portal_billing:invoices", "portal:notifications"):
        assert client.get(reverse(name)).status_code == 200, name
    final = settlement.final_invoice
    assert final.number in text(client.get(reverse("portal_billing:invoices")))
    assert client.get(url("closure", closure.pk)).status_code == 200
    assert client.get(url("statement", closure.pk)).status_code == 200
    # And no second request for a closed subscription.
    assert client.get(url("index")).status_code == 200
    assert 'id="stop-button"' not in text(client.get(url("index")))
