"""Midtrans Snap: create a transaction (redirect mode) and read HTTP notifications.

- Create: POST {MIDTRANS.snap_url} with Basic auth (server key, empty password), body
  ``transaction_details{order_id, gross_amount}``, ``item_details`` (their sum must equal
  gross_amount), ``customer_details``, ``callbacks.finish`` and ``expiry``; 201 answers
  ``{"token", "redirect_url"}``, errors ``{"error_messages": [...]}`` (401 bad key, 400 bad
  request or an order_id used before).
- Notification: JSON with transaction_status, status_code, gross_amount ("100000.00"),
  order_id, transaction_id, fraud_status, payment_type, currency and
  ``signature_key = SHA512(order_id + status_code + gross_amount + server_key)``.
- Status: GET {MIDTRANS.api_url}/v2/{order_id}/status answers the same fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from .base import (
    EXPIRED,
    FAILED,
    IGNORED,
    PAID,
    PENDING,
    BadNotification,
    Checkout,
    Notice,
    decimal_or_none,
    get_json,
    post_json,
    refused,
)

NAME = "midtrans"
LIFETIME_HOURS = 24
REQUIRED = ("order_id", "status_code", "gross_amount", "transaction_status", "signature_key")


def _auth() -> tuple[str, str]:
    return (settings.MIDTRANS["server_key"], "")


def checkout_create(
    *,
    order_id: str,
    amount: int,
    items: list[dict[str, Any]],
    customer: dict[str, str],
    return_url: str,
) -> Checkout:
    """One Snap transaction; the customer is sent to its redirect_url."""
    body = {
        "transaction_details": {"order_id": order_id, "gross_amount": amount},
        "item_details": [
            {"id": i["id"][:50], "price": i["price"], "quantity": 1, "name": i["name"][:50]}
            for i in items
        ],
        "customer_details": {
            "first_name": customer["name"][:255],
            "email": customer["email"],
            "phone": customer["phone"],
        },
        "callbacks": {"finish": return_url},
        "expiry": {"unit": "hours", "duration": LIFETIME_HOURS},
    }
    status, data = post_json(settings.MIDTRANS["snap_url"], auth=_auth(), body=body, gateway=NAME)
    if status not in (200, 201) or not isinstance(data, dict) or not data.get("redirect_url"):
        raise refused(NAME, status, data)
    return Checkout(
        external_id=str(data.get("token", ""))[:128],
        url=str(data["redirect_url"]),
        expires_at=timezone.now() + dt.timedelta(hours=LIFETIME_HOURS),
    )


def signature(order_id: str, status_code: str, gross_amount: str, key: str) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{key}".encode()).hexdigest()


def signature_valid(payload: dict[str, Any]) -> bool:
    key = settings.MIDTRANS["server_key"]
    if not key:
        return False
    expected = signature(
        str(payload.get("order_id", "")),
        str(payload.get("status_code", "")),
        str(payload.get("gross_amount", "")),
        key,
    )
    return constant_time_compare(str(payload.get("signature_key", "")), expected)


def meaning(status: str, fraud_status: str) -> str:
    """Only settlement, or capture with fraud_status accept, is money received."""
    if status == "settlement" or (status == "capture" and fraud_status == "accept"):
        return PAID
    if status in ("pending", "capture", "authorize"):  # capture + challenge waits for review
        return PENDING
    if status in ("deny", "cancel", "failure"):
        return FAILED
    if status == "expire":
        return EXPIRED
    return IGNORED  # refund, partial_refund, chargeback: for finance, never automatic


def notice(payload: Any) -> Notice:
    """Read a notification (or status answer); BadNotification if fields are missing."""
    if not isinstance(payload, dict):
        raise BadNotification(_("The notification is not a JSON object."))
    missing = [f for f in REQUIRED if not isinstance(payload.get(f), str) or not payload[f]]
    if missing:
        raise BadNotification(
            _("The notification lacks %(fields)s.") % {"fields": ", ".join(missing)},
            fields={f: [_("Required.")] for f in missing},
        )
    status = payload["transaction_status"]
    fraud = str(payload.get("fraud_status") or "")
    transaction_id = str(payload.get("transaction_id") or "")[:64]
    # A challenged capture that is accepted later is a new notice: fraud_status is in the key.
    key = f"{transaction_id or payload['order_id']}:{status}" + (f":{fraud}" if fraud else "")
    return Notice(
        gateway=NAME,
        order_id=payload["order_id"][:64],
        dedup_key=key[:200],
        status=status[:32],
        meaning=meaning(status, fraud),
        amount=decimal_or_none(payload["gross_amount"]),
        currency=str(payload.get("currency") or "IDR").upper(),
        transaction_id=transaction_id,
        payment_type=str(payload.get("payment_type") or "")[:32],
        payload=payload,
    )


def status_fetch(*, order_id: str, external_id: str = "") -> Notice | None:
    """Ask Midtrans how the transaction stands (the return page, when no notification came
    yet). None when Midtrans has no transaction yet (the customer has not chosen how to pay)."""
    url = f"{settings.MIDTRANS['api_url'].rstrip('/')}/v2/{quote(order_id, safe='')}/status"
    status, data = get_json(url, auth=_auth(), gateway=NAME)
    if status != 200 or not isinstance(data, dict) or str(data.get("status_code")) == "404":
        return None
    if not signature_valid(data):
        return None
    return notice(data)
