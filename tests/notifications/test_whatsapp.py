"""WhatsApp through the Cloud API stand-in (a protocol-level double of Meta's Graph API)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.notifications import outbox
from ispcare.notifications.channels.whatsapp import WhatsAppAdapter
from ispcare.notifications.choices import Failure, Status
from ispcare.notifications.models import Notification, WhatsAppContact
from ispcare.notifications.pacing import Pacer

from .support import announce, free_text_template, make_due

pytestmark = pytest.mark.django_db
WA = ("whatsapp", "email")


def test_notice_goes_out_as_an_approved_template_with_parameters(wa_cloud):
    (row,) = announce("t1", channels=WA)
    assert outbox.drain("whatsapp").sent == 1
    (request,) = wa_cloud.requests
    assert request["headers"]["authorization"] == "Bearer test-access-token"
    body = request["json"]
    assert body["messaging_product"] == "whatsapp" and body["to"] == "6281234567890"
    assert body["type"] == "template"
    assert body["template"]["name"] == "ispcare_announcement"
    assert body["template"]["language"] == {"code": "id"}
    params = body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in params] == [
        "Dewi O'Brien & Putra",
        "Gangguan",
        "Perbaikan sedang berjalan.",
    ]
    row.refresh_from_db()
    assert row.status == Status.SENT and row.provider_id == wa_cloud.sent[0]["id"]
    assert row.provider_id.startswith("wamid.")


def test_parameters_never_carry_newlines(wa_cloud):
    announce("t2", channels=WA, context={"text": "Baris satu.\n\nBaris   dua."})
    outbox.drain("whatsapp")
    params = wa_cloud.requests[0]["json"]["template"]["components"][0]["parameters"]
    assert params[2]["text"] == "Baris satu. Baris dua."


def test_free_text_only_inside_the_24_hour_window(wa_cloud):
    template = free_text_template()
    (outside,) = announce("out", template=template, channels=WA)
    assert outside.channel == "email" and "24" in outside.note  # fell back, and says why
    WhatsAppContact.objects.create(wa_id="6281234567890", last_inbound_at=timezone.now())
    (inside,) = announce("in", template=template, channels=WA)
    assert inside.channel == "whatsapp" and inside.wa_template == ""
    outbox.drain("whatsapp")
    body = wa_cloud.requests[-1]["json"]
    assert body["type"] == "text" and body["text"]["body"].startswith("Halo Dewi")
    WhatsAppContact.objects.update(last_inbound_at=timezone.now() - dt.timedelta(hours=25))
    (later,) = announce("later", template=template, channels=WA)
    assert later.channel == "email"


def test_rate_limit_error_is_retried_and_the_batch_waits(wa_cloud):
    for i in range(3):
        announce(f"r{i}", channels=WA, phone=f"08123456789{i}")
    wa_cloud.fail_next(130429)
    result = outbox.drain("whatsapp")
    assert (result.sent, result.retried, result.waiting) == (0, 1, 2)
    first = Notification.objects.filter(attempts=1).get()
    assert first.status == Status.QUEUED and first.failure == Failure.RATE_LIMITED
    assert "130429" in first.last_error
    make_due()
    assert outbox.drain("whatsapp").sent == 3
    assert len(wa_cloud.sent) == 3


def test_network_error_is_retried(wa_cloud):
    (row,) = announce("net", channels=WA)
    wa_cloud.drop_next()
    assert outbox.drain("whatsapp").retried == 1
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.failure == Failure.TEMPORARY
    make_due()
    assert outbox.drain("whatsapp").sent == 1


def test_api_unreachable_is_retried(wa_cloud, settings):
    settings.WHATSAPP = {**settings.WHATSAPP, "api_url": "http://127.0.0.1:9"}
    (row,) = announce("down", channels=WA)
    assert outbox.drain("whatsapp").retried == 1
    row.refresh_from_db()
    assert row.status == Status.QUEUED and "ConnectError" in row.last_error


def test_undeliverable_number_is_permanent(wa_cloud):
    wa_cloud.unregistered.add("6281234567890")
    (row,) = announce("undeliverable", channels=WA)
    assert outbox.drain("whatsapp").failed == 1
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.failure == Failure.REJECTED
    assert "131026" in row.last_error
    make_due()
    assert outbox.drain("whatsapp").sent == 0


def test_template_problem_is_permanent_and_named(wa_cloud):
    wa_cloud.templates = {("some_other_template", "id"): 1}
    (row,) = announce("tpl", channels=WA)
    outbox.drain("whatsapp")
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.failure == Failure.TEMPLATE
    assert "132001" in row.last_error


def test_a_wrong_token_is_retried_and_shown_as_configuration(wa_cloud, settings):
    settings.WHATSAPP = {**settings.WHATSAPP, "access_token": "expired"}
    (row,) = announce("token", channels=WA)
    outbox.drain("whatsapp")
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.failure == Failure.NOT_CONFIGURED
    assert "190" in row.last_error


def test_sends_are_paced_per_sending_number(wa_cloud, settings):
    """With a limit of 5/s, twelve messages need three one-second windows."""
    settings.NOTIFY = {**settings.NOTIFY, "rate": {"whatsapp": 5, "email": 0}}
    for i in range(12):
        announce(f"p{i}", channels=WA, phone=f"0812345678{i:02d}")
    now = [1_000_000.25]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer("whatsapp:test", 5, clock=lambda: now[0], sleep=sleep)
    result = outbox.drain("whatsapp", adapter=WhatsAppAdapter(pacer=pacer))
    assert result.sent == 12
    assert len(slept) == 2 and all(0 < s <= 1 for s in slept)
    assert int(now[0]) - 1_000_000 == 2  # the third second


def test_default_rate_is_80_per_second(settings):
    assert settings.NOTIFY["rate"]["whatsapp"] == 80
    assert WhatsAppAdapter().pacer.per_second == 80


def test_one_client_serves_every_batch_of_a_drain(wa_cloud):
    for i in range(5):
        announce(f"b{i}", channels=WA, phone=f"08123456780{i}")
    assert outbox.drain("whatsapp", batch=2).sent == 5  # three batches
    assert len(wa_cloud.sent) == 5
