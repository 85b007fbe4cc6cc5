"""WhatsApp Business Cloud API (Graph API `/{phone-number-id}/messages`).

Notices go out as approved template messages with body parameters; free text only for
rows without a template (allowed inside the 24-hour window, checked when queued). Sends
are paced per sending number (settings.NOTIFY["rate"]["whatsapp"], Cloud API default
80/s). Graph error codes decide: rate limits and server trouble are retried later,
an undeliverable number or a template problem is permanent.
"""

from __future__ import annotations

import json

import httpx
from django.conf import settings

from ..choices import Channel, Failure
from ..pacing import Pacer
from .base import Outcome

# Graph / Cloud API error codes (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
RATE_LIMIT_CODES = {4, 80007, 130429, 131056}
TEMPORARY_CODES = {1, 2, 131000, 131016, 133004, 368}
AUTH_CODES = {0, 3, 10, 190, 200}
WINDOW_CODES = {131047}
TEMPLATE_CODES = {132000, 132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069}
STOP_BATCH = RATE_LIMIT_CODES | AUTH_CODES


def payload_for(row) -> dict:
    body: dict = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": row.to}
    if row.wa_template:
        body["type"] = "template"
        body["template"] = {
            "name": row.wa_template,
            "language": {"code": row.language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": p} for p in row.wa_params],
                }
            ]
            if row.wa_params
            else [],
        }
    else:
        body["type"] = "text"
        body["text"] = {"preview_url": False, "body": row.body[:4096]}
    return body


def classify(status: int, data: dict) -> Outcome:
    """An Outcome for a Graph error response (`{"error": {"code": ..., "message": ...}}`)."""
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    details = (error.get("error_data") or {}).get("details") if isinstance(error, dict) else ""
    text = f"WhatsApp {code}: {error.get('message', '')}".strip()
    if details:
        text += f" — {details}"
    if not error:
        text = f"WhatsApp HTTP {status}"
    if code in RATE_LIMIT_CODES:
        return Outcome(False, error=text, failure=Failure.RATE_LIMITED)
    if code in AUTH_CODES:
        return Outcome(False, error=text, failure=Failure.NOT_CONFIGURED)
    if code in TEMPORARY_CODES or status >= 500 or not error:
        return Outcome(False, error=text, failure=Failure.TEMPORARY)
    if code in WINDOW_CODES:
        return Outcome(False, error=text, failure=Failure.OUTSIDE_WINDOW, permanent=True)
    if code in TEMPLATE_CODES:
        return Outcome(False, error=text, failure=Failure.TEMPLATE, permanent=True)
    return Outcome(False, error=text, failure=Failure.REJECTED, permanent=True)


class WhatsAppAdapter:
    def __init__(self, *, pacer: Pacer | None = None, client: httpx.Client | None = None):
        conf = settings.WHATSAPP
        self.url = f"{conf['api_url']}/{conf['api_version']}/{conf['phone_number_id']}/messages"
        self.token = conf["access_token"]
        self.pacer = pacer or Pacer(
            f"{Channel.WHATSAPP}:{conf['phone_number_id']}", settings.NOTIFY["rate"]["whatsapp"]
        )
        self.client = client or httpx.Client(timeout=conf["timeout"])

    def send(self, rows) -> list[Outcome | None]:
        outcomes: list[Outcome | None] = [None] * len(rows)
        if not self.token:
            missing = Outcome(
                False, error="WHATSAPP_ACCESS_TOKEN is not set", failure=Failure.NOT_CONFIGURED
            )
            return [missing for _ in rows]
        for i, row in enumerate(rows):
            self.pacer.wait()
            outcomes[i], stop = self._send_one(row)
            if stop:  # unreachable, throttled or not authorised: the rest of the batch waits
                break
        return outcomes

    def _send_one(self, row) -> tuple[Outcome, bool]:
        """The outcome of one POST, and whether the batch must stop after it."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = self.client.post(self.url, json=payload_for(row), headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(
                False, error=f"{type(exc).__name__}: {exc}", failure=Failure.TEMPORARY
            ), True
        try:
            data = response.json()
        except (json.JSONDecodeError, ValueError):
            data = {}
        if response.status_code == 200:
            try:
                return Outcome(True, provider_id=str(data["messages"][0]["id"])[:200]), False
            except (KeyError, IndexError, TypeError):
                error = "WhatsApp answered 200 without a message id"
                return Outcome(False, error=error, failure=Failure.TEMPORARY), False
        code = (data.get("error") or {}).get("code") if isinstance(data, dict) else None
        return classify(response.status_code, data), code in STOP_BATCH

    # One keep-alive client serves every batch of a drain; the drain closes it.
    def close(self) -> None:
        self.client.close()
