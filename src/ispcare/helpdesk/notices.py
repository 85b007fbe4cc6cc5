"""What the helpdesk tells customers (every public update, in their channel) and staff
(assignments, SLA breaches, follow-ups). Default texts: templates/notices/<key>.<lang>.txt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ispcare.customers.notices import SAMPLE, customer_notify, notice_base
from ispcare.notifications.catalog import TemplateSpec, register
from ispcare.notifications.choices import Channel
from ispcare.notifications.services import Message, Recipient, message_send

SAMPLE_TICKET = {
    "number": "TKT/2026/000123",
    "subject": "Internet mati sejak pagi",
    "kind": "Gangguan",
    "status": "Dibuka",
    "url": "https://vokasi.net/portal/tiket/123/",
}
_CUSTOMER = (
    ("ticket_opened", _("Ticket opened"), {}),
    ("ticket_reply", _("Reply on a ticket"), {"update": {"body": "Tim kami sedang memeriksa."}}),
    (
        "ticket_eta",
        _("Fault: estimated restoration time"),
        {"update": {"body": "Kabel putus di tiang.", "eta": dt.datetime(2026, 12, 2, 16, 0)}},
    ),
    (
        "ticket_visit",
        _("Fault: technician visit"),
        {"visit": {"date": dt.date(2026, 12, 3), "technician": "Agus Teknisi"}},
    ),
    ("ticket_resolved", _("Ticket resolved"), {"note": "Konektor ONT diganti.", "reopen_days": 7}),
)
_STAFF = (
    ("ticket_assigned", _("Staff: tickets assigned to you"), {"count": 3, "tickets": [1, 2, 3]}),
    (
        "ticket_breach",
        _("Staff: SLA breached (escalation)"),
        {
            "count": 2,
            "tickets": ["TKT/2026/000123 Internet mati sejak pagi"],
            "url": "https://vokasi.net/staff/helpdesk/breaches/",
        },
    ),
    (
        "ticket_followup",
        _("Staff: tickets waiting on you"),
        {
            "count": 1,
            "tickets": ["TKT/2026/000123 Internet mati sejak pagi"],
            "url": "https://vokasi.net/staff/helpdesk/tickets/",
        },
    ),
)


def register_templates() -> None:
    for key, title, extra in _CUSTOMER:
        register(
            TemplateSpec(
                key,
                title,
                {**SAMPLE, "ticket": SAMPLE_TICKET, **extra},
                f"ispcare_{key}",
                ("{{ name }}", "{{ ticket.number }}", "{{ ticket.subject }}"),
            )
        )
    for key, title, extra in _STAFF:
        register(TemplateSpec(key, title, {"name": "Sari CS", "isp": "Vokasi.Net", **extra}))


def ticket_context(ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "kind": str(ticket.get_kind_display()),
        "status": str(ticket.get_status_display()),
        "eta": ticket.eta,
        "url": settings.PUBLIC_BASE_URL + reverse("portal_helpdesk:ticket", args=[ticket.pk]),
    }


def ticket_notify(*, ticket, template: str, key: str, extra: dict[str, Any] | None = None) -> None:
    """Tell the ticket's customer (their preferred channels and the portal inbox), or the
    visitor who left a phone number (WhatsApp), in the current transaction."""
    context = {"ticket": ticket_context(ticket), **(extra or {})}
    if ticket.customer_id:
        customer_notify(customer=ticket.customer, template=template, context=context, key=key)
    elif ticket.contact_phone:
        message_send(
            message=Message(
                template=template,
                recipient=Recipient(
                    name=ticket.contact_name,
                    phone=ticket.contact_phone,
                    channels=(Channel.WHATSAPP,),
                    ref=f"ticket:{ticket.pk}",
                ),
                context={**notice_base(), "name": ticket.contact_name, **context},
                idempotency_key=key,
                inapp=False,
            )
        )


def staff_notify(*, user, template: str, key: str, context: dict[str, Any]) -> None:
    """Tell a staff member by email (and the in-app inbox), in the ISP's language."""
    message_send(
        message=Message(
            template=template,
            recipient=Recipient(
                name=user.get_full_name() or user.get_username(),
                email=user.email,
                user_id=user.pk,
                language=settings.LANGUAGE_CODE,
                channels=(Channel.EMAIL,),
                ref=f"user:{user.pk}",
            ),
            context={
                "name": user.get_full_name() or user.get_username(),
                "isp": settings.ISP_NAME,
                **context,
            },
            idempotency_key=key,
        )
    )
