"""Delivery receipts: WhatsApp status webhooks and SMTP bounce reports (RFC 3464 DSNs)."""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import hmac
from email import policy
from email.message import Message as EmailMessage

from django.db import transaction
from django.utils import timezone

from ispcare.common.errors import ValidationFailed

from .choices import Failure, Status
from .models import Notification, WhatsAppContact

# A status only moves forward: a late "delivered" never undoes "read".
RANK = {Status.SENT: 1, Status.DELIVERED: 2, Status.READ: 3}
WA_STATUS = {"sent": Status.SENT, "delivered": Status.DELIVERED, "read": Status.READ}


def signature_valid(raw: bytes, header: str, secret: str) -> bool:
    """X-Hub-Signature-256: "sha256=" + HMAC-SHA256(app secret, raw body), hex."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def _when(value) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _changes(payload: dict) -> list[dict]:
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise ValidationFailed("Not a WhatsApp Business Account webhook.", code="webhook_invalid")
    values = []
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value")
            if isinstance(value, dict):
                values.append(value)
    return values


@transaction.atomic
def whatsapp_webhook_apply(*, payload: dict) -> dict[str, int]:
    """Apply statuses (sent/delivered/read/failed) to our rows; note inbound messages,
    which open the 24-hour window for free text. Unknown message ids are ignored."""
    statuses: list[dict] = []
    inbound: dict[str, dt.datetime] = {}
    for value in _changes(payload):
        statuses += [s for s in value.get("statuses") or [] if isinstance(s, dict)]
        for msg in value.get("messages") or []:
            if isinstance(msg, dict) and str(msg.get("from", "")).isdigit():
                at = _when(msg.get("timestamp"))
                inbound[msg["from"]] = max(at, inbound.get(msg["from"], at))
    ids = {str(s.get("id")) for s in statuses if s.get("id")}
    rows = {
        r.provider_id: r
        for r in Notification.objects.select_for_update().filter(
            provider_id__in=ids, channel="whatsapp"
        )
    }
    changed: dict[int, Notification] = {}
    for s in statuses:
        row = rows.get(str(s.get("id")))
        if row is None:
            continue
        at = _when(s.get("timestamp"))
        state = s.get("status")
        if state == "failed":
            errors = s.get("errors") or [{}]
            first = errors[0] if isinstance(errors[0], dict) else {}
            row.status, row.failure = Status.FAILED, Failure.REJECTED
            row.last_error = f"WhatsApp {first.get('code', '')}: {first.get('title', '')}"[:2000]
            row.next_attempt_at = None
        elif state in WA_STATUS and RANK.get(WA_STATUS[state], 0) > RANK.get(row.status, 0):
            row.status = WA_STATUS[state]
            if row.status == Status.DELIVERED:
                row.delivered_at = at
            if row.status == Status.READ:
                row.read_at = at
                row.delivered_at = row.delivered_at or at
        else:
            continue
        changed[row.pk] = row
    if changed:
        Notification.objects.bulk_update(
            list(changed.values()),
            ["status", "failure", "last_error", "next_attempt_at", "delivered_at", "read_at"],
        )
    for wa_id, at in inbound.items():
        WhatsAppContact.objects.update_or_create(wa_id=wa_id, defaults={"last_inbound_at": at})
    return {"statuses": len(changed), "inbound": len(inbound)}


def _original_ids(report: EmailMessage) -> tuple[str, str]:
    """(Message-ID, X-ISPcare-Notification) of the message a bounce report returns."""
    from .channels.email import HEADER_ID

    for part in report.walk():
        ctype = part.get_content_type()
        if ctype == "text/rfc822-headers":
            headers = email.message_from_string(part.get_content(), policy=policy.default)
        elif ctype == "message/rfc822":
            payload = part.get_payload()
            headers = payload[0] if isinstance(payload, list) and payload else None
        else:
            continue
        if headers is not None:
            return (str(headers.get("Message-ID", "")).strip(), str(headers.get(HEADER_ID, "")))
    return "", ""


def _dsn_failure(report: EmailMessage) -> str | None:
    """The diagnostic of a permanent failure in a delivery-status part, else None."""
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload():
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip()
            if action == "failed" or status.startswith("5"):
                diagnostic = str(block.get("Diagnostic-Code", "")).strip()
                return f"{status} {diagnostic}".strip() or "failed"
    return None


@transaction.atomic
def bounce_ingest(*, raw: bytes) -> Notification | None:
    """Mark the email a bounce report (DSN) refers to as failed; None if not ours or not
    a permanent failure (a "delayed" report changes nothing)."""
    report = email.message_from_bytes(raw, policy=policy.default)
    if report.get_content_type() != "multipart/report":
        raise ValidationFailed("Not a delivery status report.", code="not_a_dsn")
    diagnostic = _dsn_failure(report)
    message_id, row_id = _original_ids(report)
    if diagnostic is None or not (message_id or row_id):
        return None
    qs = Notification.objects.select_for_update().filter(channel="email")
    row = qs.filter(provider_id=message_id).first() if message_id else None
    if row is None and row_id.isdigit():
        row = qs.filter(pk=int(row_id)).first()
    if row is None:
        return None
    row.status, row.failure, row.next_attempt_at = Status.FAILED, Failure.BOUNCED, None
    row.last_error = f"Bounced: {diagnostic}"[:2000]
    row.save(update_fields=["status", "failure", "next_attempt_at", "last_error"])
    return row
