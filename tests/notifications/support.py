"""Small builders shared by the notification tests."""

from __future__ import annotations

from django.utils import timezone

from ispcare.notifications.catalog import TemplateSpec, register
from ispcare.notifications.models import Notification, TemplateOverride
from ispcare.notifications.services import Message, Recipient, message_send

SAMPLE = {"isp": "Vokasi.Net", "subject": "Gangguan", "text": "Perbaikan sedang berjalan."}


def recipient(**overrides) -> Recipient:
    fields = {
        "name": "Dewi O'Brien & Putra",
        "email": "dewi@example.id",
        "phone": "081234567890",
        "language": "id",
        "channels": ("email",),
        "ref": "customer:1",
    }
    fields.update(overrides)
    return Recipient(**fields)


def announce(key: str = "", template: str = "announcement", **overrides) -> list[Notification]:
    name = overrides.pop("name", "Dewi O'Brien & Putra")
    context = {**SAMPLE, "name": name, **overrides.pop("context", {})}
    return message_send(
        message=Message(
            template=template,
            recipient=recipient(name=name, **overrides),
            context=context,
            idempotency_key=key,
        )
    )


def free_text_template() -> str:
    """A notice without an approved WhatsApp template: WhatsApp only inside the window."""
    register(TemplateSpec("test_free_text", "Free text", {"name": "Dimas"}))
    for lang in ("id", "en"):
        TemplateOverride.objects.update_or_create(
            key="test_free_text",
            language=lang,
            defaults={
                "subject": "Balasan",
                "body": "Halo {{ name }}, tiket Anda sudah kami tangani.",
            },
        )
    return "test_free_text"


def external(**filters):
    return Notification.objects.exclude(channel="inapp").filter(**filters)


def make_due(qs=None) -> int:
    """Pretend the backoff has passed: every waiting row is due now."""
    qs = qs if qs is not None else Notification.objects.filter(status__in=["queued", "sending"])
    return qs.update(next_attempt_at=timezone.now())
