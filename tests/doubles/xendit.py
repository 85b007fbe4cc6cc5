"""Xendit stand-in: a protocol-level double of Xendit's Invoice API and invoice callbacks.

A real HTTP server on 127.0.0.1 (a thread), so ISPcare's client runs its real HTTP stack.
Documented behaviour followed (Xendit API reference "Create invoice", "Get invoice",
"Invoice callback"; the official SDKs' Invoice and InvoiceCallback models):

- ``POST /v2/invoices`` with ``Authorization: Basic base64(secret_key + ":")``: external_id
  and amount are required; 200 answers the invoice ``{"id", "external_id", "user_id",
  "status": "PENDING", "merchant_name", "amount", "payer_email", "description",
  "expiry_date", "invoice_url", "currency", "created", "updated", ...}``. Errors are
  ``{"error_code", "message"}``: 401 INVALID_API_KEY, 400 API_VALIDATION_ERROR.
- ``GET /v2/invoices/<id>``: the invoice, or 404 INVOICE_NOT_FOUND_ERROR.
- The invoice page at ``invoice_url`` (``/web/<id>``): a form the browser submits; the
  stand-in then POSTs the invoice callback to ``callback_url`` with the header
  ``x-callback-token`` (id, external_id, user_id, status PAID, amount, paid_amount,
  currency, payment_method, payment_channel, paid_at, ...) and redirects the browser to
  success_redirect_url.

Requests are recorded in ``requests``; ``fail_next`` injects faults.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
import secrets
import threading
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from .loopback import Handler, LoopbackStandIn

USER_ID = "5f0c1b2a3d4e5f6a7b8c9d0e"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def callback(
    *,
    invoice_id: str,
    external_id: str,
    amount: int,
    status: str = "PAID",
    paid_amount: int | None = None,
    currency: str = "IDR",
    payment_method: str = "BANK_TRANSFER",
    payment_channel: str = "BCA",
) -> dict:
    """An invoice callback body as Xendit sends it."""
    body = {
        "id": invoice_id,
        "external_id": external_id,
        "user_id": USER_ID,
        "is_high": False,
        "status": status,
        "merchant_name": "Vokasi.Net",
        "amount": amount,
        "created": _now(),
        "updated": _now(),
        "currency": currency,
    }
    if status in ("PAID", "SETTLED"):
        body.update(
            {
                "paid_amount": amount if paid_amount is None else paid_amount,
                "paid_at": _now(),
                "payment_method": payment_method,
                "payment_channel": payment_channel,
                "payment_destination": "8808999912345678",
                "bank_code": payment_channel,
                "payment_id": "pay-" + secrets.token_hex(12),
            }
        )
    return body


class XenditStandIn(LoopbackStandIn):
    """Protocol-level double of the Xendit Invoice API (+ invoice callbacks)."""

    def __init__(
        self,
        *,
        secret_key: str = "xnd_development_test_key",
        callback_token: str = "xendit-callback-token-test",
        callback_url: str = "",
    ):
        self.secret_key = secret_key
        self.callback_token = callback_token
        self.callback_url = callback_url  # ISPcare's /webhooks/payments/xendit/ (settable)
        self.requests: list[dict] = []
        self.invoices: dict[str, dict] = {}
        self.notified: list[tuple[dict, int]] = []
        self._fails: list[int] = []
        self._lock = threading.Lock()

    def settings(self) -> dict:
        """The XENDIT setting pointing at this stand-in."""
        return {
            "secret_key": self.secret_key,
            "callback_token": self.callback_token,
            "api_url": self.base_url,
        }

    def fail_next(self, status: int = 503, *, times: int = 1) -> None:
        with self._lock:
            self._fails.extend([status] * times)

    # --- the customer's side ---------------------------------------------------------------
    def pay(self, invoice_id: str, *, status: str = "PAID", **overrides) -> dict:
        inv = self.invoices[invoice_id]
        body = callback(
            invoice_id=invoice_id,
            external_id=inv["external_id"],
            amount=inv["amount"],
            status=status,
            **overrides,
        )
        inv.update({k: v for k, v in body.items() if k not in ("created",)})
        self.notify(body)
        return body

    def notify(self, body: dict, *, token: str | None = None) -> int:
        request = urllib.request.Request(
            self.callback_url,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "x-callback-token": self.callback_token if token is None else token,
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        with self._lock:
            self.notified.append((body, status))
        return status

    # --- request handling ------------------------------------------------------------------
    def _handle(self, h: Handler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        path = urlsplit(h.path).path
        headers = {k.lower(): v for k, v in h.headers.items()}
        try:
            data = json.loads(body) if body and "json" in headers.get("content-type", "") else None
        except ValueError:
            data = None
        with self._lock:
            self.requests.append(
                {"method": h.command, "path": path, "headers": headers, "json": data}
            )
        if path.startswith("/web/"):
            return self._page(h, path)
        with self._lock:
            fail = self._fails.pop(0) if self._fails else None
        if fail:
            return self._json(
                h, fail, {"error_code": "SERVER_ERROR", "message": "Something went wrong"}
            )
        expected = "Basic " + base64.b64encode(f"{self.secret_key}:".encode()).decode()
        if headers.get("authorization") != expected:
            return self._json(
                h,
                401,
                {
                    "error_code": "INVALID_API_KEY",
                    "message": "API key is not authorized for this API service",
                },
            )
        if h.command == "POST" and path.rstrip("/") == "/v2/invoices":
            return self._create(h, data)
        match = re.fullmatch(r"/v2/invoices/([^/]+)", path)
        if h.command == "GET" and match:
            inv = self.invoices.get(match.group(1))
            if inv is None:
                return self._json(
                    h,
                    404,
                    {"error_code": "INVOICE_NOT_FOUND_ERROR", "message": "Could not find invoice"},
                )
            return self._json(h, 200, inv)
        self._json(h, 404, {"error_code": "NOT_FOUND", "message": "Not found"})

    def _create(self, h: Handler, data) -> None:
        if not isinstance(data, dict):
            return self._json(
                h, 400, {"error_code": "API_VALIDATION_ERROR", "message": "Invalid JSON"}
            )
        problems = []
        if not isinstance(data.get("external_id"), str) or not data["external_id"]:
            problems.append('"external_id" is required')
        amount = data.get("amount")
        if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount < 1:
            problems.append('"amount" must be a number above 0')
        if problems:
            return self._json(
                h, 400, {"error_code": "API_VALIDATION_ERROR", "message": "; ".join(problems)}
            )
        invoice_id = secrets.token_hex(12)
        duration = int(data.get("invoice_duration") or 86400)
        expiry = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=duration)
        inv = {
            "id": invoice_id,
            "external_id": data["external_id"],
            "user_id": USER_ID,
            "status": "PENDING",
            "merchant_name": "Vokasi.Net",
            "merchant_profile_picture_url": "",
            "amount": amount,
            "payer_email": data.get("payer_email", ""),
            "description": data.get("description", ""),
            "expiry_date": expiry.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "invoice_url": f"{self.base_url}/web/{invoice_id}",
            "available_banks": [],
            "available_retail_outlets": [],
            "available_ewallets": [],
            "available_qr_codes": [],
            "available_direct_debits": [],
            "available_paylaters": [],
            "should_exclude_credit_card": False,
            "should_send_email": False,
            "success_redirect_url": data.get("success_redirect_url", ""),
            "failure_redirect_url": data.get("failure_redirect_url", ""),
            "created": _now(),
            "updated": _now(),
            "currency": data.get("currency", "IDR"),
            "items": data.get("items", []),
        }
        with self._lock:
            self.invoices[invoice_id] = inv
        self._json(h, 200, inv)

    def _page(self, h: Handler, path: str) -> None:
        invoice_id = path.removeprefix("/web/").removesuffix("/pay").strip("/")
        inv = self.invoices.get(invoice_id)
        if inv is None:
            return self._json(
                h,
                404,
                {"error_code": "INVOICE_NOT_FOUND_ERROR", "message": "Could not find invoice"},
            )
        if h.command == "POST":
            self.pay(invoice_id)
            h.send_response(302)
            h.send_header("Location", inv["success_redirect_url"])
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        amount = f"{int(inv['amount']):,}".replace(",", ".")
        raw = f"""<!doctype html><html><head><meta name="viewport" content="width=device-width">
<title>Xendit stand-in</title></head><body style="font-family:sans-serif;max-width:28rem;margin:2rem auto">
<p><small>Xendit invoice (test stand-in)</small></p><h1>IDR {amount}</h1>
<p>{html.escape(inv["description"])}</p>
<form method="post" action="/web/{invoice_id}/pay"><button id="pay" style="width:100%;padding:.9rem">Bayar</button></form>
</body></html>""".encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)
