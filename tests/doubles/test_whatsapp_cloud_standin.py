"""The WhatsApp Cloud API stand-in answers like the real API, over real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request

import pytest

from tests.doubles.whatsapp_cloud import (
    WhatsAppCloudStandIn,
    inbound_text_event,
    sign,
    status_event,
)

TOKEN = "test-access-token"
CUSTOMER = "6281234567890"


@pytest.fixture
def standin():
    with WhatsAppCloudStandIn(templates={("tagihan_jatuh_tempo", "id"): 2}) as s:
        yield s


def post(url, body, *, token=TOKEN, timeout=5.0):
    """POST JSON; returns (status, parsed body, headers) for 2xx and HTTP errors alike."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response), response.headers
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error), error.headers


def text(to=CUSTOMER, body="Tagihan Anda sudah terbit."):
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


def template(name="tagihan_jatuh_tempo", params=("Budi", "Rp 250.000"), to=CUSTOMER):
    parameters = [{"type": "text", "text": p} for p in params]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": "id"},
            "components": [{"type": "body", "parameters": parameters}],
        },
    }


def test_text_message_is_accepted_with_the_real_success_body(standin):
    status, body, _ = post(standin.messages_url, text(to="+" + CUSTOMER))

    assert status == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+" + CUSTOMER, "wa_id": CUSTOMER}]
    [message] = body["messages"]
    assert message["id"].startswith("wamid.") and "message_status" not in message
    assert standin.sent == [
        {
            "id": message["id"],
            "to": "+" + CUSTOMER,
            "type": "text",
            "payload": text(to="+" + CUSTOMER),
        }
    ]
    [request] = standin.requests
    assert request["path"] == f"/v21.0/{standin.phone_number_id}/messages"
    assert request["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert request["status"] == 200


def test_template_message_is_accepted_and_ids_are_unique(standin):
    first = post(standin.messages_url, template())[1]["messages"][0]
    second = post(standin.messages_url, template())[1]["messages"][0]

    assert first["message_status"] == "accepted"
    assert first["id"] != second["id"]
    assert [s["type"] for s in standin.sent] == ["template", "template"]


def test_wrong_token_is_a_401_oauth_error_190(standin):
    status, body, headers = post(standin.messages_url, text(), token="expired")

    assert status == 401
    assert body["error"]["code"] == 190
    assert body["error"]["type"] == "OAuthException"
    assert body["error"]["message"].startswith("Error validating access token")
    assert "invalid_token" in headers["WWW-Authenticate"]
    assert standin.sent == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}, "to"),
        (text(body="x" * 4097), "text['body']"),
        ({**text(), "messaging_product": "sms"}, "messaging_product"),
        (b"not json", "messaging_product"),
    ],
)
def test_invalid_body_is_error_100_naming_the_field(standin, payload, field):
    status, body, _ = post(standin.messages_url, payload)

    assert status == 400
    assert body["error"]["code"] == 100
    assert body["error"]["message"] == "(#100) Invalid parameter"
    assert field in body["error"]["error_data"]["details"]
    assert body["error"]["error_data"]["messaging_product"] == "whatsapp"


def test_fail_next_rate_limit_then_success(standin):
    standin.fail_next(130429)

    status, body, _ = post(standin.messages_url, text())
    assert status == 400
    assert body["error"]["code"] == 130429
    assert body["error"]["message"] == "(#130429) Rate limit hit"
    assert body["error"]["fbtrace_id"]

    assert post(standin.messages_url, text())[0] == 200
    assert len(standin.sent) == 1
    assert [r["status"] for r in standin.requests] == [400, 200]


def test_fail_next_can_override_the_http_status_and_repeat(standin):
    standin.fail_next(131000, times=2, http_status=503, details="upstream down")

    for _ in range(2):
        status, body, _ = post(standin.messages_url, text())
        assert (status, body["error"]["code"]) == (503, 131000)
        assert body["error"]["error_data"]["details"] == "upstream down"
    assert post(standin.messages_url, text())[0] == 200


def test_drop_next_is_a_network_error_for_the_client(standin):
    standin.drop_next()

    with pytest.raises(OSError):  # RemoteDisconnected / URLError, both OSErrors
        post(standin.messages_url, text())
    assert standin.requests[0]["status"] is None
    assert post(standin.messages_url, text())[0] == 200


def test_delay_next_trips_a_client_timeout(standin):
    standin.delay_next(0.5)

    with pytest.raises(OSError):  # TimeoutError (or URLError wrapping it)
        post(standin.messages_url, text(), timeout=0.2)
    assert post(standin.messages_url, text())[0] == 200


def test_number_not_on_whatsapp_is_undeliverable_131026(standin):
    standin.unregistered.add(CUSTOMER)

    status, body, _ = post(standin.messages_url, text(to="+" + CUSTOMER))

    assert status == 400
    assert body["error"]["code"] == 131026
    assert standin.sent == []


def test_template_parameter_count_mismatch_is_132000(standin):
    status, body, _ = post(standin.messages_url, template(params=("Budi",)))

    assert status == 400
    assert body["error"]["code"] == 132000
    assert (
        "(1) does not match the expected number of params (2)"
        in (body["error"]["error_data"]["details"])
    )


def test_unknown_template_is_132001(standin):
    status, body, _ = post(standin.messages_url, template(name="promo"))

    assert status == 404
    assert body["error"]["code"] == 132001
    assert body["error"]["error_data"]["details"] == "template name (promo) does not exist in id"


def test_wrong_phone_number_id_and_unknown_paths(standin):
    status, body, _ = post(f"{standin.base_url}/v21.0/999/messages", text())
    assert (status, body["error"]["code"]) == (400, 100)
    assert body["error"]["message"].startswith("Unsupported post request")

    status, body, _ = post(f"{standin.base_url}/v21.0/{standin.phone_number_id}/media", text())
    assert status == 404 and "error" in body


def test_keep_alive_serves_several_requests_on_one_connection(standin):
    connection = http.client.HTTPConnection("127.0.0.1", int(standin.base_url.rsplit(":", 1)[1]))
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    try:
        for _ in range(3):
            connection.request(
                "POST", f"/v21.0/{standin.phone_number_id}/messages", json.dumps(text()), headers
            )
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["messages"]
    finally:
        connection.close()
    assert len(standin.sent) == 3


def test_sign_is_the_hmac_sha256_of_the_raw_body():
    raw = json.dumps(inbound_text_event(from_=CUSTOMER, text="Internet mati")).encode()

    expected = hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
    assert sign(raw, "app-secret") == "sha256=" + expected
    assert sign(raw + b" ", "app-secret") != sign(raw, "app-secret")


def test_webhook_bodies_have_the_documented_shape():
    delivered = status_event(
        wamid="wamid.X", status="delivered", recipient_id=CUSTOMER, timestamp=7
    )
    [entry] = delivered["entry"]
    value = entry["changes"][0]["value"]
    assert delivered["object"] == "whatsapp_business_account"
    assert entry["changes"][0]["field"] == "messages"
    assert value["metadata"]["phone_number_id"] == "106540352242922"
    [status] = value["statuses"]
    assert (status["id"], status["status"], status["timestamp"]) == ("wamid.X", "delivered", "7")
    assert status["pricing"]["billable"] is True and "conversation" in status

    read = status_event(wamid="wamid.X", status="read", recipient_id=CUSTOMER)
    assert "pricing" not in read["entry"][0]["changes"][0]["value"]["statuses"][0]
    failed = status_event(wamid="wamid.X", status="failed", recipient_id=CUSTOMER)
    assert failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]["code"] == 131026

    inbound = inbound_text_event(from_=CUSTOMER, text="Halo", name="Budi")
    value = inbound["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Budi"}, "wa_id": CUSTOMER}]
    assert value["messages"][0]["text"] == {"body": "Halo"}
    assert value["messages"][0]["from"] == CUSTOMER
