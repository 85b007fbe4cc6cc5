"""Builders and checks for the personal-data tests (no tests here): a customer with
records in every app, and a walk over every text, JSON and file column of every model."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing.models import GatewayEvent, PaymentLink
from ispcare.billing.services import payment_record
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import Subscription
from ispcare.helpdesk import services as helpdesk
from ispcare.notifications.models import WhatsAppContact
from tests import factories
from tests.helpdesk.support import complaint, complaint_record, fault

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_n = itertools.count(1)


@dataclass
class Person:
    """A customer and the personal values that must not survive their anonymisation."""

    customer: object
    subscription: object
    name: str
    street: str
    email: str
    phone: str  # E.164
    nik: str

    @property
    def national(self) -> str:
        return self.phone[3:]  # +62 812... -> 812...

    @property
    def spaced(self) -> str:
        n = self.national
        return f"0{n[:3]} {n[3:7]} {n[7:]}"

    def found_in(self, text: str) -> bool:
        """Does `text` hold any of this person's values, in any spelling?"""
        lower = text.lower()
        squashed = re.sub(r"[\s.\-()/+]", "", lower)
        words = [w for w in self.name.lower().split() if len(w) >= 3]
        return (
            self.name.lower() in lower
            or any(re.search(rf"\b{re.escape(w)}\b", lower) for w in words)
            or self.nik in squashed
            or self.national in squashed  # +62 812…, 62812…, 0812 3456 7890, 812-…
            or self.email.lower() in lower
            or self.street.lower() in lower
        )


def person(onboarding, name: str, street: str) -> Person:
    """An active customer with records everywhere: a visitor ticket and chat from before
    they were a customer, notices, a payment with a note and a proof, a gateway
    notification, a fault with a technician visit, a complaint with its record and
    contact, a chat with an image, a WhatsApp window."""
    n = next(_n)
    phone, nik = factories.phone(), factories.nik()
    email = f"{name.split()[0].lower()}.{n}@example.id"
    agent = factories.staff_user(Role.CUSTOMER_SERVICE)
    # Before they were a customer: a call and a chat on the public site.
    helpdesk.ticket_create(
        kind="question",
        subject=f"Info paket untuk {name}",
        source="phone",
        contact_name=name,
        contact_phone=phone,
        actor=agent,
    )
    visit = helpdesk.conversation_start_visitor(name=name, phone=phone)
    helpdesk.message_post(
        conversation_id=visit.pk,
        author_kind="visitor",
        as_visitor=visit.visitor_key,
        body=f"Saya {name}, rumah di {street}",
    )
    customer, sub = onboarding.active(
        full_name=name, street=street, phone=phone, nik=nik, email=email
    )
    p = Person(customer, sub, name, street, email, phone, nik)
    payment_record(
        customer_id=customer.pk,
        amount=50_000,
        method="bank_transfer",
        reference=f"TRF-PRIV-{n}",
        note=f"Transfer dari {name}, {p.spaced}",
        proof=SimpleUploadedFile("bukti.png", PNG, content_type="image/png"),
        actor=onboarding.finance,
    )
    link = PaymentLink.objects.create(
        gateway="xendit",
        order_id=f"{customer.number}-priv",
        customer=customer,
        amount=200_000,
        url="https://gateway.example/pay",
    )
    GatewayEvent.objects.create(
        gateway="xendit",
        dedup_key=f"priv-{n}",
        order_id=link.order_id,
        event_status="PAID",
        amount=200_000,
        payload={"payer_email": email, "amount": 200_000, "description": f"Tagihan {name}"},
    )
    # A fault, answered, with a visit.
    ticket = fault(customer, agent, description=f"Pelanggan {name} di {street}, {p.spaced}")
    helpdesk.ticket_reply(ticket_id=ticket.pk, actor=agent, body=f"Baik Ibu {name.split()[0]}")
    helpdesk.ticket_reply(ticket_id=ticket.pk, actor=agent, body=f"NIK {nik}", public=False)
    helpdesk.ticket_customer_reply(
        ticket_id=ticket.pk, customer_id=customer.pk, body=f"Email saya {email}"
    )
    helpdesk.fault_escalate(
        ticket_id=ticket.pk,
        actor=agent,
        technician_id=onboarding.technician.pk,
        date=timezone.localdate(),
        problem=f"Rumah {name}, {street}",
    )
    # A complaint with its complete record, investigated, solved, the customer told.
    c = complaint(
        customer,
        agent,
        complaint=complaint_record(contact=f"WhatsApp {p.spaced}", location=street),
    )
    helpdesk.complaint_investigate(ticket_id=c.pk, actor=agent, notes=f"Tagihan {name} dicek")
    helpdesk.complaint_solution(
        ticket_id=c.pk, actor=agent, solution="Refund", action_taken=f"Kirim ke {email}"
    )
    helpdesk.contact_record(
        ticket_id=c.pk, actor=agent, channel="phone", summary=f"Ibu {name} sudah dijelaskan"
    )
    # A chat with a photo, answered by an agent.
    conv = helpdesk.conversation_open_for_customer(customer_id=customer.pk)
    helpdesk.message_post(
        conversation_id=conv.pk,
        author_kind="customer",
        as_customer=customer.pk,
        body=f"Alamat saya {street}",
        image=SimpleUploadedFile("rumah.png", PNG, content_type="image/png"),
    )
    helpdesk.conversation_claim(conversation_id=conv.pk, actor=agent)
    helpdesk.message_post(
        conversation_id=conv.pk, author_kind="agent", author=agent, body=f"Halo {name}"
    )
    WhatsAppContact.objects.create(wa_id=phone[1:], last_inbound_at=timezone.now())
    return p


def close(p: Person, *, days_ago: int, actor=None) -> None:
    """Close the subscription with a reason naming them, as if `days_ago` days ago."""
    subscription_transition(
        subscription_id=p.subscription.pk,
        action="close",
        actor=actor or "test",
        reason=f"Pindah rumah: {p.name}, {p.street}",
    )
    when = timezone.now() - dt.timedelta(days=days_ago)
    Subscription.objects.filter(pk=p.subscription.pk).update(state_changed_at=when, closed_at=when)


# --- the generic walk -------------------------------------------------------------------

TEXTUAL = (models.CharField, models.TextField, models.JSONField, models.FileField)


def textual_columns(model) -> list[models.Field]:
    """Every column that can hold text: CharField (and EmailField, SlugField, URLField),
    TextField, JSONField, FileField, primary keys included (WhatsAppContact.wa_id is a
    phone number). A field added later is walked too."""
    return [
        f
        for f in model._meta.get_fields()
        if isinstance(f, TEXTUAL) and getattr(f, "concrete", False)
    ]


def as_text(field: models.Field, value) -> str:
    if value is None:
        return ""
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def hits(p: Person) -> set[tuple[str, object, str]]:
    """(model, pk, column) of every value anywhere in the database that holds one of
    `p`'s personal values."""
    found = set()
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        columns = textual_columns(model)
        if not columns:
            continue
        names = [f.attname for f in columns]
        for row in model._base_manager.values_list("pk", *names).iterator():
            for field, value in zip(columns, row[1:], strict=True):
                if p.found_in(as_text(field, value)):
                    found.add((model._meta.label, row[0], field.name))
    return found


def snapshot() -> dict[str, list]:
    """Every row of every model, for "nothing changed"."""
    out = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        out[model._meta.label] = sorted(
            (tuple(map(repr, row)) for row in model._base_manager.values_list(*fields)),
        )
    return out
