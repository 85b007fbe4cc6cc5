"""Shortcuts for helpdesk tests: a complete complaint record, tickets of each kind."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ispcare.helpdesk.tickets import ticket_create


def complaint_record(**overrides) -> dict:
    return {
        "what_happened": "Tagihan bulan ini ditagih dua kali.",
        "since": (timezone.now() - dt.timedelta(days=2)).isoformat(),
        "location": "Jl. Kaliurang km 5, Sleman",
        "impact": "Saldo terpotong dua kali, tidak bisa bayar kebutuhan lain.",
        "contact": "WhatsApp 0812 3456 7890, sore hari",
        **overrides,
    }


def fault(customer, actor, **overrides):
    return ticket_create(
        **{
            "kind": "fault",
            "subject": "Internet mati sejak pagi",
            "source": "phone",
            "customer_id": customer.pk,
            "actor": actor,
            **overrides,
        }
    )


def complaint(customer, actor, **overrides):
    return ticket_create(
        **{
            "kind": "complaint",
            "subject": "Tagihan ganda",
            "source": "phone",
            "customer_id": customer.pk,
            "actor": actor,
            "complaint": complaint_record(),
            **overrides,
        }
    )
