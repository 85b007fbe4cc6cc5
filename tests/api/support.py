"""Helpers for the API tests: tokens, requests, the error shape, and the endpoint table."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ispcare.accounts.models import ApiToken
from tests import factories

BASE = "/api/v1"


def token_for(role: str | None = None, *, user=None) -> str:
    """The key of a fresh token for `user`, or for a new staff user of `role`."""
    _token, key = ApiToken.issue(user=user or factories.staff_user(role), name="test")
    return key


def call(client, method: str, path: str, key: str | None = None, body=None, **headers):
    """One API request; `body` is sent as JSON, a str body as it is."""
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    kwargs = {}
    if body is not None:
        data = body if isinstance(body, str) else json.dumps(body)
        kwargs = {"content_type": "application/json", "data": data}
    return getattr(client, method)(BASE + path, **kwargs, **headers)


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape: {code, message, fields} and nothing else."""
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["fields"], dict), body
    for name, messages in body["fields"].items():
        assert isinstance(name, str) and messages, body
        assert all(isinstance(m, str) and m for m in messages), body
    return body


def registration_body(**overrides) -> dict:
    """A valid JSON registration: the form's fields, consents true, plan as an id."""
    data = factories.registration_data()
    body = {k: v for k, v in data.items() if not k.startswith("consent_")}
    body.update(dict.fromkeys((k for k in data if k.startswith("consent_")), True))
    body["plan"] = int(data["plan"])
    body.update(overrides)
    return body


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with {app}, {customer}, {sub}, {order}, {invoice}, {ticket}, {conversation}
    capability: str | None  # None: public
    bad_body: dict | None = None  # a body that fails validation (POST only)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def url(self, ids: dict) -> str:
        return self.path.format(**ids)


ENDPOINTS = [
    Endpoint("post", "/registrations", None, {}),
    Endpoint("get", "/applications", "registrations.review"),
    Endpoint("get", "/applications/{app}", "registrations.review"),
    Endpoint("post", "/applications/{app}/approve", "registrations.review", {"note": []}),
    Endpoint("post", "/applications/{app}/reject", "registrations.review", {}),
    Endpoint("post", "/subscriptions/{sub}/installation", "workorders.schedule", {}),
    Endpoint("post", "/work-orders/{order}/complete", "workorders.field", {}),
    Endpoint("post", "/invoices/{invoice}/payments", "billing.record_payment", {}),
    Endpoint("get", "/customers/{customer}", "customers.view"),
    Endpoint("get", "/customers/{customer}/events", "customers.view"),
    Endpoint("get", "/customers/{customer}/invoices", "billing.view"),
    Endpoint("get", "/customers/{customer}/account", "billing.view"),
    Endpoint("post", "/customers/{customer}/payments", "billing.record_payment", {}),
    Endpoint("post", "/customers/{customer}/adjustments", "billing.adjust", {}),
    Endpoint("post", "/invoices/{invoice}/void", "billing.void", {}),
    Endpoint("get", "/billing/runs", "billing.reports"),
    Endpoint("get", "/tickets", "helpdesk.view"),
    Endpoint("post", "/tickets", "helpdesk.work", {}),
    Endpoint("post", "/tickets/assign", "helpdesk.assign", {}),
    Endpoint("get", "/tickets/{ticket}", "helpdesk.view"),
    Endpoint("post", "/tickets/{ticket}/replies", "helpdesk.work", {"public": []}),
    Endpoint("post", "/tickets/{ticket}/actions/resolve", "helpdesk.work", {"note": []}),
    Endpoint("post", "/tickets/{ticket}/contacts", "helpdesk.work", {}),
    Endpoint("post", "/tickets/{ticket}/complaint/solution", "helpdesk.work", {}),
    Endpoint("get", "/conversations/{conversation}/messages", "helpdesk.chat"),
    Endpoint("post", "/conversations/{conversation}/messages", "helpdesk.chat", {}),
]
PROTECTED = [e for e in ENDPOINTS if e.capability]
WITH_ID = [e for e in ENDPOINTS if "{" in e.path]
MISSING_IDS = dict.fromkeys(
    ("app", "customer", "sub", "order", "invoice", "ticket", "conversation"), 987654
)


def world(onboarding) -> dict:
    """One of everything the endpoints take an id of; returns the ids."""
    from ispcare.billing.models import Invoice
    from ispcare.helpdesk.models import Conversation
    from ispcare.helpdesk.tickets import ticket_create

    customer, sub, order = onboarding.scheduled()
    app = factories.submit()
    ticket = ticket_create(kind="question", subject="Tanya", source="api", customer_id=customer.pk)
    return {
        "ticket": ticket.pk,
        "conversation": Conversation.objects.create(customer=customer).pk,
        "app": app.pk,
        "customer": customer.pk,
        "sub": sub.pk,
        "order": order.pk,
        "invoice": Invoice.objects.get(subscription=sub).pk,
    }
