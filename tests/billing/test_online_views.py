"""Online payments, portal and staff views: the button, the redirect to the gateway, the
per-customer limit on new links, the return page of someone else's order, the staff filters."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from ispcare.accounts.roles import Role
from ispcare.billing.models import PaymentLink
from tests import factories
from tests.billing.test_online_services import (  # noqa: F401 (fixtures)
    isolated_for_overdue,
    midtrans_standin,
)

pytestmark = pytest.mark.django_db
CREATE = reverse("portal_pay:create")


@pytest.fixture
def customer_client(client, onboarding, midtrans_standin):  # noqa: F811
    customer, _sub, invoice = isolated_for_overdue(onboarding)
    client.force_login(customer.user)
    return client, customer, invoice


def test_button_posts_and_redirects_to_the_gateway(customer_client, midtrans_standin):  # noqa: F811
    client, customer, _invoice = customer_client
    panel = client.get(reverse("portal_billing:due_panel")).content.decode()
    assert 'class="btn block pay-midtrans"' in panel and 'value="xendit"' in panel
    response = client.post(CREATE, {"gateway": "midtrans"})
    link = PaymentLink.objects.get(customer=customer)
    assert response.status_code == 302 and response.url == link.url
    assert response.url.startswith(midtrans_standin.base_url)


def test_unknown_gateway_shows_the_problem_page(customer_client):
    client, _customer, _invoice = customer_client
    response = client.post(CREATE, {"gateway": "paypal"})
    assert response.status_code == 422
    assert 'data-code="validation_error"' in response.content.decode()
    assert PaymentLink.objects.count() == 0


def test_new_links_are_limited_per_customer(customer_client, settings):
    client, _customer, _invoice = customer_client
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "payment_link": (2, 600)}
    cache.clear()
    try:
        assert client.post(CREATE, {"gateway": "midtrans"}).status_code == 302
        assert client.post(CREATE, {"gateway": "midtrans"}).status_code == 302
        response = client.post(CREATE, {"gateway": "midtrans"})
        assert response.status_code == 429
        assert 'data-code="rate_limited"' in response.content.decode()
    finally:
        cache.clear()


def test_return_page_of_another_customers_order_is_404(customer_client, onboarding):
    client, _customer, _invoice = customer_client
    other, _sub, _inv = isolated_for_overdue(onboarding)
    theirs = PaymentLink.objects.create(
        gateway="midtrans", order_id="OTHER-1", customer=other, amount=1000, url="https://x.example"
    )
    done = reverse("portal_pay:done")
    assert client.get(done, {"order_id": theirs.order_id}).status_code == 404
    assert client.get(done).status_code == 302  # no order: back to the invoices
    assert client.get(reverse("portal_pay:status", args=[theirs.pk])).status_code == 404


def test_waiting_page_polls_and_stops_when_paid(customer_client):
    client, customer, _invoice = customer_client
    client.post(CREATE, {"gateway": "midtrans"})
    link = PaymentLink.objects.get(customer=customer)
    page = client.get(reverse("portal_pay:done"), {"order_id": link.order_id}).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-status="pending"' in page
    slow = client.get(reverse("portal_pay:status", args=[link.pk]), {"n": "500"}).content.decode()
    assert 'hx-trigger="every 10s"' in slow
    PaymentLink.objects.filter(pk=link.pk).update(status="expired")
    over = client.get(reverse("portal_pay:status", args=[link.pk])).content.decode()
    assert "hx-trigger" not in over and 'data-status="expired"' in over


def test_staff_filters_and_flagged_first(client, onboarding):
    customer, _sub, invoice = isolated_for_overdue(onboarding)
    base = {
        "gateway": "midtrans",
        "customer": customer,
        "amount": 1000,
        "invoice_ids": [invoice.pk],
    }
    PaymentLink.objects.create(order_id="A-PAID", status="paid", **base)
    PaymentLink.objects.create(order_id="B-FLAG", status="flagged", flag_reason="Rp 1", **base)
    PaymentLink.objects.create(order_id="C-PEND", **base)
    client.force_login(factories.staff_user(Role.FINANCE))
    page = client.get(reverse("billing_online:links")).content.decode()
    assert page.index("B-FLAG") < page.index("C-PEND") and page.index("B-FLAG") < page.index(
        "A-PAID"
    )
    assert reverse("billing:payment_create", args=[invoice.pk]) in page
    only = client.get(reverse("billing_online:links"), {"status": "paid"}).content.decode()
    assert "A-PAID" in only and "B-FLAG" not in only
    assert client.get(reverse("billing_online:links"), {"status": "nonsense"}).status_code == 200
    assert client.get(reverse("billing_online:events"), {"outcome": "flagged"}).status_code == 200
    # Customer service may read, not record: no link to the payment form.
    client.force_login(factories.staff_user(Role.CUSTOMER_SERVICE))
    page = client.get(reverse("billing_online:links")).content.decode()
    assert "B-FLAG" in page and reverse("billing:payment_create", args=[invoice.pk]) not in page
