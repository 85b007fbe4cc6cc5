"""Xendit invoices: create one and read its callbacks.

- Create: POST {XENDIT.api_url}/v2/invoices with Basic auth (secret key, empty password),
  body external_id, amount, currency, payer_email, description, items,
  success_redirect_url, failure_redirect_url, invoice_duration; 200 answers the invoice
  ``{"id", "external_id", "status": "PENDING", "amount", "invoice_url", "expiry_date", ...}``,
  errors ``{"error_code", "message"}`` (401 INVALID_API_KEY, 400 API_VALIDATION_ERROR).
- Callback: POST with header ``x-callback-token`` (the verification token of the Xendit
  dashboard) and the invoice: id, external_id, status (PAID, SETTLED, EXPIRED), amount,
  paid_amount, currency, payment_method, payment_channel, paid_at.
- Status: GET {XENDIT.api_url}/v2/invoices/{id} answers the same invoice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .base import (
    EXPIRED,
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

NAME = "xendit"
LIFETIME_SECONDS = 24 * 3600
REQUIRED = ("id", "external_id", "status")


def _auth() -> tuple[str, str]:
    return (settings.XENDIT["secret_key"], "")


def checkout_create(
    *,
    order_id: str,
    amount: int,
    items: list[dict[str, Any]],
    customer: dict[str, str],
    return_url: str,
) -> Checkout:
    body = {
        "external_id": order_id,
        "amount": amount,
        "currency": "IDR",
        "payer_email": customer["email"],
        "description": customer["description"][:255],
        "items": [
            {"name": i["name"][:255], "quantity": 1, "price": i["price"], "reference_id": i["id"]}
            for i in items
        ],
        "success_redirect_url": return_url,
        "failure_redirect_url": return_url,
        "invoice_duration": LIFETIME_SECONDS,
    }
    url = f"{settings.XENDIT['api_url'].rstrip('/')}/v2/invoices"
    status, data = post_json(url, auth=_auth(), body=body, gateway=NAME)
    if status not in (200, 201) or not isinstance(data, dict) or not data.get("invoice_url"):
        raise refused(NAME, status, data)
    expires = (
        parse_datetime(str(data.get("expiry_date") or "")) if data.get("expiry_date") else None
    )
    return Checkout(
        external_id=str(data.get("id", ""))[:128],
        url=str(data["invoice_url"]),
        expires_at=expires or timezone.now() + dt.timedelta(seconds=LIFETIME_SECONDS),
    )


def token_valid(token: str) -> bool:
    expected = settings.XENDIT["callback_token"]
    return bool(expected) and constant_time_compare(token or "", expected)


def meaning(status: str) -> str:
    if status in ("PAID", "SETTLED"):
        return PAID
    if status == "EXPIRED":
        return EXPIRED
    if status == "PENDING":
        return PENDING
    return IGNORED


def notice(payload: Any) -> Notice:
    if not isinstance(payload, dict):
        raise BadNotification(_("The notification is not a JSON object."))
    missing = [f for f in REQUIRED if not isinstance(payload.get(f), str) or not payload[f]]
    if missing:
        raise BadNotification(
            _("The notification lacks %(fields)s.") % {"fields": ", ".join(missing)},
            fields={f: [_("Required.")] for f in missing},
        )
    status = payload["status"].upper()
    paid = payload.get("paid_amount")
    return Notice(
        gateway=NAME,
        order_id=payload["external_id"][:64],
        dedup_key=f"{payload['id']}:{status}"[:200],
        status=status[:32],
        meaning=meaning(status),
        # What was paid counts; an unpaid invoice only has its amount.
        amount=decimal_or_none(paid if paid is not None else payload.get("amount")),
        currency=str(payload.get("currency") or "").upper(),
        transaction_id=payload["id"][:64],
        payment_type=str(payload.get("payment_method") or "")[:32],
        payload=payload,
    )


def status_fetch(*, order_id: str, external_id: str = "") -> Notice | None:
    if not external_id:
        return None
    url = f"{settings.XENDIT['api_url'].rstrip('/')}/v2/invoices/{quote(external_id, safe='')}"
    status, data = get_json(url, auth=_auth(), gateway=NAME)
    if status != 200 or not isinstance(data, dict) or data.get("external_id") != order_id:
        return None
    return notice(data)
