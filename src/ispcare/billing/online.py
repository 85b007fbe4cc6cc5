"""Online payments: payment links a customer opens at a gateway, and the gateways'
notifications that turn into payments.

A link is made only once the gateway has answered (a gateway that is down leaves nothing
behind). A notification is stored first (one row per gateway and dedup key, so a repeated
delivery changes nothing) and applied afterwards in a task: only money the gateway says
was received, for the link's exact amount in rupiah, becomes a Payment (reference = the
gateway's transaction id, unique per method); anything else that claims money is flagged
for finance. Later or earlier notices never take a paid link back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ispcare.common.effects import on_commit
from ispcare.common.errors import Conflict, Duplicate, ValidationFailed
from ispcare.common.money import format_rupiah
from ispcare.customers.models import Customer

from .choices import OPEN_STATUSES, InvoiceKind
from .gateways import base as gw
from .models import GatewayEvent, Invoice, Payment, PaymentLink
from .models.gateway import LinkStatus
from .payments import payment_record

log = logging.getLogger(__name__)
# A pending link is offered again while it has at least this long to live.
REUSE_MARGIN = dt.timedelta(minutes=15)
LABELS = {"midtrans": "Midtrans", "xendit": "Xendit"}


class Outcome:
    APPLIED = "applied"  # a Payment was recorded
    NOTED = "noted"  # the link's status followed the gateway (pending, failed, expired)
    DUPLICATE = "duplicate"  # the same money again (both paths, PAID then SETTLED)
    STALE = "stale"  # an older notice after the link was settled: nothing changes
    FLAGGED = "flagged"  # amount or currency does not match: finance decides
    UNKNOWN = "unknown"  # no link with this order id
    IGNORED = "ignored"  # refunds and other words: shown to finance, never automatic


def return_url(order_id: str, gateway: str) -> str:
    """Where the gateway sends the customer back. Midtrans appends ?order_id=... itself."""
    url = settings.PUBLIC_BASE_URL + reverse("portal_pay:done")
    return url if gateway == "midtrans" else f"{url}?order_id={order_id}"


def _order_id(customer: Customer) -> str:
    stamp = timezone.now().strftime("%y%m%d%H%M%S")
    raw = f"{customer.number}-{stamp}-{secrets.token_hex(2)}"
    return re.sub(r"[^A-Za-z0-9_.~-]", "-", raw)[:50]


def _reusable(customer_id: int, gateway: str, amount: int) -> PaymentLink | None:
    return (
        PaymentLink.objects.filter(
            customer_id=customer_id,
            gateway=gateway,
            status=LinkStatus.PENDING,
            amount=amount,
            expires_at__gt=timezone.now() + REUSE_MARGIN,
        )
        .exclude(url="")
        .first()
    )


def payable(*, customer_id: int) -> tuple[list[Invoice], int]:
    """The open invoices an online payment settles, and their balance."""
    invoices = list(
        Invoice.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).order_by(
            "due_date", "issued_at", "id"
        )
    )
    return invoices, sum(i.balance for i in invoices)


def payment_link_create(
    *, customer_id: int, gateway: str, actor: Any, return_to: str | None = None
) -> PaymentLink:
    """A link at `gateway` for the customer's open balance; a still-pending link for the
    same amount is handed back instead of a new one (`link.reused` says which)."""
    if gateway not in gw.enabled():
        raise ValidationFailed(
            _("Choose a payment service."),
            fields={"gateway": [_("This payment service is not available.")]},
        )
    customer = Customer.objects.get(pk=customer_id)
    invoices, amount = payable(customer_id=customer_id)
    if not invoices or amount <= 0:
        raise Conflict(_("There is nothing to pay right now."), code="online.nothing_due")
    if any(i.kind == InvoiceKind.INSTALLATION for i in invoices):
        raise Conflict(
            _("The installation fee is paid to the technician at installation."),
            code="online.installation_open",
        )
    found = _reusable(customer_id, gateway, amount)
    if found is not None:
        found.reused = True
        return found

    order_id = _order_id(customer)
    with override(settings.LANGUAGE_CODE):
        items = [
            {"id": i.number, "price": i.balance, "name": f"{i.number} {i.get_kind_display()}"}
            for i in invoices
        ]
        description = _("%(isp)s invoices %(numbers)s, customer %(customer)s") % {
            "isp": settings.ISP_NAME,
            "numbers": ", ".join(i.number for i in invoices),
            "customer": customer.number,
        }
    # The gateway first, outside any transaction: if it is down nothing is written.
    checkout = gw.module(gateway).checkout_create(
        order_id=order_id,
        amount=amount,
        items=items,
        customer={
            "name": customer.full_name,
            "email": customer.email,
            "phone": customer.phone,
            "description": description,
        },
        return_url=return_to or return_url(order_id, gateway),
    )
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=customer_id)
        # Another tab made one meanwhile: keep that one (ours expires unused at the gateway).
        found = _reusable(customer_id, gateway, amount)
        if found is not None:
            found.reused = True
            return found
        link = PaymentLink.objects.create(
            gateway=gateway,
            order_id=order_id,
            customer=customer,
            invoice_ids=[i.pk for i in invoices],
            amount=amount,
            url=checkout.url,
            external_id=checkout.external_id,
            expires_at=checkout.expires_at,
            updated_at=timezone.now(),
        )
    link.reused = False
    return link


# --- Notifications ------------------------------------------------------------------------


def gateway_notice_receive(*, notice: gw.Notice) -> tuple[GatewayEvent, bool]:
    """Store a verified notice once; the apply task runs after commit. Returns the event and
    whether it is new (False: the same notice was delivered before, nothing changes)."""
    with transaction.atomic():
        existing = GatewayEvent.objects.filter(
            gateway=notice.gateway, dedup_key=notice.dedup_key
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                event = GatewayEvent.objects.create(
                    gateway=notice.gateway,
                    dedup_key=notice.dedup_key,
                    order_id=notice.order_id,
                    event_status=notice.status,
                    amount=int(notice.amount) if notice.amount is not None else None,
                    payload=notice.payload,
                )
        except IntegrityError:  # the same notice, committed by a parallel delivery
            return GatewayEvent.objects.get(
                gateway=notice.gateway, dedup_key=notice.dedup_key
            ), False
        on_commit(_enqueue, event.pk)
    return event, True


def _enqueue(event_id: int) -> None:
    from .tasks import gateway_event_apply_task

    gateway_event_apply_task(event_id)


def gateway_event_apply(*, event_id: int) -> str:
    """Apply one stored notice to its link (idempotent: an applied event is left alone)."""
    with transaction.atomic():
        event = GatewayEvent.objects.select_for_update().get(pk=event_id)
        if event.processed_at is not None:
            return event.outcome
        notice = gw.module(event.gateway).notice(event.payload)
        link = (
            PaymentLink.objects.select_for_update()
            .filter(gateway=event.gateway, order_id=event.order_id)
            .first()
        )
        with override(settings.LANGUAGE_CODE):
            if link is None:
                outcome, detail = Outcome.UNKNOWN, _("No payment link has this order id.")
            else:
                outcome, detail = _apply(link, notice)
        event.outcome, event.detail = outcome, str(detail)[:300]
        event.processed_at = timezone.now()
        event.save(update_fields=["outcome", "detail", "processed_at"])
    if outcome in (Outcome.FLAGGED, Outcome.UNKNOWN):
        log.warning("%s notice %s for %s: %s", event.gateway, event.pk, event.order_id, detail)
    return outcome


def _mismatch(link: PaymentLink, notice: gw.Notice) -> str:
    if notice.currency != "IDR":
        return _("Paid in %(currency)s, not rupiah (IDR).") % {
            "currency": notice.currency or _("an unstated currency")
        }
    if notice.amount is None or notice.amount != Decimal(link.amount):
        return _("The gateway reports %(paid)s, the link asked for %(amount)s.") % {
            "paid": format_rupiah(int(notice.amount)) if notice.amount is not None else "?",
            "amount": format_rupiah(link.amount),
        }
    return ""


def _apply(link: PaymentLink, notice: gw.Notice) -> tuple[str, str]:
    now = timezone.now()
    fields = ["status", "gateway_status", "updated_at"]

    if notice.meaning == gw.PAID:
        if link.status == LinkStatus.PAID:
            return Outcome.DUPLICATE, _("Already paid (payment %(ref)s).") % {
                "ref": link.transaction_id
            }
        problem = _mismatch(link, notice)
        if link.status == LinkStatus.FLAGGED and not problem:
            problem = _("The link was already flagged: %(reason)s") % {"reason": link.flag_reason}
        link.gateway_status, link.updated_at = notice.status, now
        link.transaction_id = notice.transaction_id or link.order_id
        if problem:
            link.status, link.flag_reason = LinkStatus.FLAGGED, problem[:200]
            link.save(update_fields=[*fields, "flag_reason", "transaction_id"])
            return Outcome.FLAGGED, problem
        payment = _record(link, notice)
        if payment is None:
            link.status = LinkStatus.FLAGGED
            link.flag_reason = _("The transaction id is already recorded on another payment.")
            link.save(update_fields=[*fields, "flag_reason", "transaction_id"])
            return Outcome.FLAGGED, link.flag_reason
        link.status, link.payment, link.paid_at = LinkStatus.PAID, payment, now
        link.save(update_fields=[*fields, "payment", "paid_at", "transaction_id"])
        return Outcome.APPLIED, _("Payment of %(amount)s recorded.") % {
            "amount": format_rupiah(payment.amount)
        }

    if link.status != LinkStatus.PENDING:
        # Out of order (pending after settlement, expire after paid): never un-pay.
        return Outcome.STALE, _("The link is already %(status)s.") % {
            "status": link.get_status_display().lower()
        }
    if notice.meaning == gw.IGNORED:
        return Outcome.IGNORED, _("Status %(status)s is not handled automatically.") % {
            "status": notice.status
        }
    link.gateway_status, link.updated_at = notice.status, now
    if notice.meaning == gw.FAILED:
        link.status = LinkStatus.FAILED
    elif notice.meaning == gw.EXPIRED:
        link.status = LinkStatus.EXPIRED
    link.save(update_fields=fields)
    return Outcome.NOTED, _("Link is now %(status)s.") % {
        "status": link.get_status_display().lower()
    }


def _record(link: PaymentLink, notice: gw.Notice) -> Payment | None:
    """The Payment for this link (the existing one if the same transaction id was recorded
    before; None if that one belongs to another link)."""
    reference = link.transaction_id
    try:
        return payment_record(
            customer_id=link.customer_id,
            amount=link.amount,
            method=link.gateway,
            reference=reference,
            actor=LABELS.get(link.gateway, link.gateway),
            currency=notice.currency,
            note=_("Online payment %(order)s (%(type)s)")
            % {"order": link.order_id, "type": notice.payment_type or link.gateway},
        )
    except Duplicate:
        payment = Payment.objects.get(method=link.gateway, reference=reference)
        other = PaymentLink.objects.filter(payment=payment).exclude(pk=link.pk).exists()
        if other or payment.customer_id != link.customer_id:
            return None
        return payment


def payment_link_refresh(*, link_id: int) -> PaymentLink:
    """Ask the gateway how a pending link stands (the customer came back before the
    notification did). Its answer goes the same way as a notification, so a notification
    that comes later is a duplicate. GatewayDown if the gateway does not answer."""
    link = PaymentLink.objects.get(pk=link_id)
    if link.status != LinkStatus.PENDING:
        return link
    notice = gw.module(link.gateway).status_fetch(
        order_id=link.order_id, external_id=link.external_id
    )
    if notice is not None and notice.order_id == link.order_id:
        gateway_notice_receive(notice=notice)
    link.refresh_from_db()
    return link


def gateway_events_apply_due(*, older_than_seconds: int = 60) -> int:
    """Apply stored notices a worker never got to (it died, the queue was down)."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    ids = list(
        GatewayEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in ids:
        gateway_event_apply(event_id=pk)
    return len(ids)
