"""What customers and applicants are told, through the notifications outbox.

Messages are queued inside the business transaction (the outbox row commits or rolls
back with the change); contexts are plain values, the only thing templates may see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from ispcare.notifications.catalog import TemplateSpec, register
from ispcare.notifications.choices import Channel
from ispcare.notifications.services import Message, Recipient, message_send

from .choices import EventKind
from .events import event_record
from .models import Application, Customer, Plan

STATUS_SALT = "ispcare.registration.status"

SAMPLE_PLAN = {
    "name": "Rumah 20",
    "speed_mbps": 20,
    "monthly_price": 250_000,
    "installation_fee": 350_000,
    "deposit": 250_000,
}
SAMPLE = {
    "name": "Dimas Saputra",
    "customer_number": "VN-2612-00042",
    "isp": "Vokasi.Net",
    "support_phone": "+62 274 555 0101",
    "portal_url": "https://vokasi.net/portal/",
    "plan": SAMPLE_PLAN,
}


def register_templates() -> None:
    """The onboarding notices (default texts in templates/notices/<key>.<lang>.txt)."""
    application = {"reference": "REG-7Q2K9D", "plan": "Rumah 20", "reason": ""}
    status_url = "https://vokasi.net/daftar/status/…"
    for spec in (
        TemplateSpec(
            "application_received",
            _("Registration received"),
            {**SAMPLE, "application": application, "status_url": status_url},
            "ispcare_application_received",
            ("{{ name }}", "{{ application.reference }}", "{{ status_url }}"),
        ),
        TemplateSpec(
            "application_rejected",
            _("Registration rejected"),
            {
                **SAMPLE,
                "application": {**application, "reason": "Alamat di luar jangkauan jaringan."},
                "status_url": status_url,
            },
            "ispcare_application_rejected",
            ("{{ name }}", "{{ application.reference }}", "{{ application.reason }}"),
        ),
        TemplateSpec(
            "application_approved",
            _("Registration approved"),
            {**SAMPLE, "application": application, "status_url": status_url},
            "ispcare_application_approved",
            ("{{ name }}", "{{ application.reference }}", "{{ customer_number }}"),
        ),
        TemplateSpec(
            "welcome",
            _("Welcome: customer number and portal account"),
            {**SAMPLE, "welcome_url": "https://vokasi.net/portal/selamat-datang/…"},
            "ispcare_welcome",
            ("{{ name }}", "{{ customer_number }}", "{{ welcome_url }}"),
        ),
        TemplateSpec(
            "installation_scheduled",
            _("Installation scheduled"),
            {
                **SAMPLE,
                "installation": {"date": dt.date(2026, 12, 3), "technician": "Agus Teknisi"},
            },
            "ispcare_installation_scheduled",
            (
                "{{ name }}",
                '{{ installation.date|date:"l, j F Y" }}',
                "{{ installation.technician }}",
                "{{ plan.installation_fee|rupiah }}",
            ),
        ),
        TemplateSpec(
            "deposit_invoice",
            _("Deposit invoice: pay to activate"),
            {
                **SAMPLE,
                "invoice": {
                    "number": "INV/2026/000123",
                    "amount": 250_000,
                    "due_date": dt.date(2026, 12, 10),
                },
                "bank_account": "BNI 0123456789 a.n. PT Vokasi Net",
            },
            "ispcare_deposit_invoice",
            (
                "{{ name }}",
                "{{ invoice.number }}",
                "{{ invoice.amount|rupiah }}",
                '{{ invoice.due_date|date:"j F Y" }}',
            ),
        ),
        TemplateSpec(
            "service_active",
            _("Service active"),
            SAMPLE,
            "ispcare_service_active",
            ("{{ name }}", "{{ plan.name }}"),
        ),
    ):
        register(spec)


def plan_context(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "speed_mbps": plan.speed_mbps,
        "monthly_price": plan.monthly_price,
        "installation_fee": plan.installation_fee,
        "deposit": plan.deposit,
    }


def notice_base() -> dict[str, Any]:
    return {
        "isp": settings.ISP_NAME,
        "support_phone": settings.ISP_SUPPORT_PHONE,
        "portal_url": settings.PUBLIC_BASE_URL + reverse("portal:dashboard"),
    }


def status_token(application: Application) -> str:
    return signing.dumps(application.reference, salt=STATUS_SALT)


def status_reference(token: str) -> str | None:
    try:
        return signing.loads(token, salt=STATUS_SALT)
    except signing.BadSignature:
        return None


def status_url(application: Application) -> str:
    return settings.PUBLIC_BASE_URL + reverse(
        "customers:registration_status", args=[status_token(application)]
    )


def welcome_path(customer: Customer) -> str:
    uid = urlsafe_base64_encode(force_bytes(customer.user_id))
    token = default_token_generator.make_token(customer.user)
    return reverse("portal:welcome", args=[uid, token])


def customer_recipient(customer: Customer) -> Recipient:
    return Recipient(
        name=customer.full_name,
        email=customer.email,
        phone=customer.phone,
        user_id=customer.user_id,
        language=customer.language,
        channels=tuple(c for c in customer.notify_channels.split(",") if c),
        ref=f"customer:{customer.pk}",
    )


def application_notify(*, application_id: int, template: str) -> None:
    app = Application.objects.select_related("plan").get(pk=application_id)
    message_send(
        message=Message(
            template=template,
            recipient=Recipient(
                name=app.full_name,
                email=app.email,
                phone=app.phone,
                language=app.language,
                ref=f"application:{app.pk}",
            ),
            context={
                **notice_base(),
                "name": app.full_name,
                "application": {
                    "reference": app.reference,
                    "plan": app.plan.name,
                    "reason": app.rejection_reason,
                },
                "plan": plan_context(app.plan),
                "status_url": status_url(app),
            },
            idempotency_key=f"application:{app.pk}:{template}",
        )
    )


def welcome_send(*, customer_id: int) -> None:
    """At approval: the short "approved" notice on the customer's own channel, and the
    welcome with the portal account (a set-password link and what happens next) by email,
    the channel for account details, with its copy in the portal."""
    customer = Customer.objects.select_related("user", "application").get(pk=customer_id)
    sub = customer.subscriptions.select_related("plan").first()
    app = customer.application
    customer_notify(
        customer=customer,
        template="application_approved",
        context={
            "application": {
                "reference": app.reference if app else "",
                "plan": sub.plan.name,
                "reason": "",
            },
            "plan": plan_context(sub.plan),
            "status_url": status_url(app) if app else "",
        },
        key=f"customer:{customer.pk}:approved",
    )
    customer_notify(
        customer=customer,
        template="welcome",
        context={
            "welcome_url": settings.PUBLIC_BASE_URL + welcome_path(customer),
            "plan": plan_context(sub.plan),
        },
        key=f"customer:{customer.pk}:welcome",
        channels=(Channel.EMAIL,),
    )
    event_record(
        customer=customer, kind=EventKind.WELCOME_SENT, actor=None, data={"email": customer.email}
    )


def customer_notify(
    *,
    customer: Customer,
    template: str,
    context: dict[str, Any],
    key: str,
    channels: tuple[str, ...] | None = None,
    attachment: str = "",
) -> None:
    """Tell the customer, on their preferred channels unless `channels` overrides them;
    `attachment` (a document reference) goes with the email."""
    recipient = customer_recipient(customer)
    if channels is not None:
        recipient = dataclasses.replace(recipient, channels=channels)
    message_send(
        message=Message(
            template=template,
            recipient=recipient,
            context={
                **notice_base(),
                "name": customer.full_name,
                "customer_number": customer.number,
                **context,
            },
            idempotency_key=key,
            attachment=attachment,
        )
    )
