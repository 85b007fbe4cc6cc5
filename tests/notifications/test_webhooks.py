"""WhatsApp webhooks: signed status receipts update rows; forged ones change nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from ispcare.notifications import outbox
from ispcare.notifications.choices import Status
from ispcare.notifications.models import Notification, WhatsAppContact
from tests.doubles.whatsapp_cloud import inbound_text_event, sign, status_event

from .conftest import APP_SECRET, VERIFY_TOKEN
from .support import announce

pytestmark = pytest.mark.django_db
URL = "/webhooks/whatsapp/"


def _post(client, payload, *, secret=APP_SECRET, signature=None):
    raw = json.dumps(payload).encode()
    headers = {}
    if signature is not False:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature or sign(raw, secret)
    return client.post(URL, raw, content_type="application/json", **headers)


@pytest.fixture
def sent(wa_cloud):
    (row,) = announce("wh", channels=("whatsapp",))
    outbox.drain("whatsapp")
    row.refresh_from_db()
    assert row.status == Status.SENT
    return row


def test_url_is_named():
    assert reverse("whatsapp_webhook") == URL


def test_delivered_then_read_update_the_row(client, sent):
    r = _post(
        client, status_event(wamid=sent.provider_id, status="delivered", recipient_id=sent.to)
    )
    assert r.status_code == 200 and r.json()["statuses"] == 1
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED and sent.delivered_at is not None
    _post(client, status_event(wamid=sent.provider_id, status="read", recipient_id=sent.to))
    sent.refresh_from_db()
    assert sent.status == Status.READ and sent.read_at is not None


def test_a_late_delivered_never_undoes_read(client, sent):
    _post(client, status_event(wamid=sent.provider_id, status="read", recipient_id=sent.to))
    _post(client, status_event(wamid=sent.provider_id, status="delivered", recipient_id=sent.to))
    sent.refresh_from_db()
    assert sent.status == Status.READ


def test_failed_status_marks_the_row_failed_with_the_reason(client, sent):
    _post(client, status_event(wamid=sent.provider_id, status="failed", recipient_id=sent.to))
    sent.refresh_from_db()
    assert sent.status == Status.FAILED and "131026" in sent.last_error


@pytest.mark.parametrize(
    "signature",
    [False, "sha256=" + "0" * 64, "sha1=abc", "nonsense"],
    ids=["missing", "wrong", "other-algorithm", "garbage"],
)
def test_forged_webhook_is_refused_and_changes_nothing(client, sent, signature):
    before = Notification.objects.values_list("status", "delivered_at").get(pk=sent.pk)
    payload = status_event(wamid=sent.provider_id, status="read", recipient_id=sent.to)
    r = _post(client, payload, signature=signature)
    assert r.status_code == 403 and r.json()["code"] == "bad_signature"
    assert Notification.objects.values_list("status", "delivered_at").get(pk=sent.pk) == before


def test_signed_with_another_secret_is_refused(client, sent):
    payload = status_event(wamid=sent.provider_id, status="read", recipient_id=sent.to)
    assert _post(client, payload, secret="someone-else").status_code == 403
    sent.refresh_from_db()
    assert sent.status == Status.SENT


def test_inbound_message_opens_the_24_hour_window(client, wa_cloud):
    r = _post(client, inbound_text_event(from_="6281234567890", text="Internet mati"))
    assert r.status_code == 200 and r.json()["inbound"] == 1
    assert WhatsAppContact.objects.filter(wa_id="6281234567890").exists()


def test_unknown_message_ids_are_ignored(client, wa_cloud):
    r = _post(client, status_event(wamid="wamid.unknown", status="read", recipient_id="628"))
    assert r.status_code == 200 and r.json()["statuses"] == 0


def test_bad_bodies_get_coded_errors(client, wa_cloud):
    raw = b"{not json"
    r = client.post(
        URL, raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(raw, APP_SECRET)
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"
    r = _post(client, {"object": "page", "entry": []})
    assert r.status_code == 400 and r.json()["code"] == "webhook_invalid"


def test_subscription_check_echoes_the_challenge_only_with_the_token(client, wa_cloud):
    ok = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "x"}
    )
    assert bad.status_code == 403


def test_without_an_app_secret_every_post_is_refused(client, sent, settings):
    settings.WHATSAPP = {**settings.WHATSAPP, "app_secret": ""}
    payload = status_event(wamid=sent.provider_id, status="read", recipient_id=sent.to)
    assert _post(client, payload, secret="").status_code == 403


def test_webhooks_are_rate_limited(client, wa_cloud, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "webhook": (3, 60)}
    payload = inbound_text_event(from_="6281234567890", text="halo")
    codes = [_post(client, payload).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
