"""Midtrans stand-in: a protocol-level double of Midtrans Snap and its HTTP notifications.

A real HTTP server on 127.0.0.1 (a thread) speaking the parts of Midtrans that ISPcare uses,
so the client under test runs its real HTTP stack (auth header, timeouts, status codes, JSON
error bodies). Documented behaviour followed (docs.midtrans.com: Snap integration guide,
"JSON objects" of the Snap API, "HTTP(S) Notification / Webhooks"):

- ``POST /snap/v1/transactions`` with ``Authorization: Basic base64(server_key + ":")``:
  ``transaction_details{order_id (≤50, A-Z a-z 0-9 - _ ~ .), gross_amount (integer)}``;
  ``item_details`` price times quantity must add up to gross_amount; an order_id is used once.
  201 ``{"token", "redirect_url"}``; errors ``{"error_messages": [...]}`` with 401 (wrong
  key) or 400 (bad request, order_id taken).
- The payment page at ``redirect_url`` (``/snap/v2/vtweb/<token>``): a form the browser
  submits; the stand-in then POSTs a notification to ``notify_url`` (JSON with
  transaction_time, transaction_status, transaction_id, status_message, status_code,
  signature_key, payment_type, order_id, merchant_id, gross_amount "100000.00",
  fraud_status, currency) signed as Midtrans signs it:
  ``SHA512(order_id + status_code + gross_amount + server_key)``, and redirects the browser
  to ``callbacks.finish`` with ``?order_id=&status_code=&transaction_status=`` appended.
- ``GET /v2/<order_id>/status`` (the Core API host): the transaction's last status as the
  notification carries it, or ``{"status_code": "404", ...}``.

Requests are recorded in ``requests``; ``fail_next``/``delay_next`` inject faults.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

from .loopback import Handler, LoopbackStandIn

ORDER_ID = re.compile(r"^[A-Za-z0-9_.~-]{1,50}$")
STATUS_CODES = {  # transaction_status -> status_code as Midtrans notifications carry it
    "capture": "200",
    "settlement": "200",
    "pending": "201",
    "deny": "202",
    "cancel": "200",
    "expire": "407",
    "refund": "200",
}
UNAUTHORIZED = [
    "Access denied due to unauthorized transaction, please check client or server key",
    "Visit https://snap-docs.midtrans.com/#request-headers for more details",
]


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def notification(
    *,
    order_id: str,
    gross_amount: int | str,
    server_key: str,
    transaction_status: str = "settlement",
    transaction_id: str | None = None,
    payment_type: str = "bank_transfer",
    fraud_status: str = "accept",
    currency: str = "IDR",
    status_code: str | None = None,
) -> dict:
    """A notification body as Midtrans sends it, correctly signed with ``server_key``."""
    amount = f"{gross_amount}.00" if isinstance(gross_amount, int) else gross_amount
    code = status_code or STATUS_CODES.get(transaction_status, "200")
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).strftime("%Y-%m-%d %H:%M:%S")
    body = {
        "transaction_time": now,
        "transaction_status": transaction_status,
        "transaction_id": transaction_id or str(uuid.uuid4()),
        "status_message": "midtrans payment notification",
        "status_code": code,
        "signature_key": signature(order_id, code, amount, server_key),
        "payment_type": payment_type,
        "order_id": order_id,
        "merchant_id": "G123456789",
        "gross_amount": amount,
        "fraud_status": fraud_status,
        "currency": currency,
    }
    if transaction_status == "settlement":
        body["settlement_time"] = now
    if payment_type == "bank_transfer":
        body["va_numbers"] = [{"bank": "bca", "va_number": "12345678901"}]
    return body


class MidtransStandIn(LoopbackStandIn):
    """Protocol-level double of Midtrans Snap (+ the status API and notifications)."""

    def __init__(self, *, server_key: str = "SB-Mid-server-test-key", notify_url: str = ""):
        self.server_key = server_key
        self.notify_url = notify_url  # ISPcare's /webhooks/payments/midtrans/ (settable)
        self.requests: list[dict] = []
        self.transactions: dict[str, dict] = {}  # token -> {order_id, gross_amount, ...}
        self.notified: list[tuple[dict, int]] = []  # (notification, ISPcare's answer status)
        self._fails: list[int] = []
        self._delays: list[float] = []
        self._lock = threading.Lock()

    @property
    def snap_url(self) -> str:
        return f"{self.base_url}/snap/v1/transactions"

    @property
    def api_url(self) -> str:
        return self.base_url

    def settings(self) -> dict:
        """The MIDTRANS setting pointing at this stand-in."""
        return {"server_key": self.server_key, "snap_url": self.snap_url, "api_url": self.api_url}

    # --- faults -------------------------------------------------------------------------------
    def fail_next(self, status: int = 503, *, times: int = 1) -> None:
        """Answer the next API calls with ``status`` (a 5xx is Midtrans being down)."""
        with self._lock:
            self._fails.extend([status] * times)

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        with self._lock:
            self._delays.extend([seconds] * times)

    # --- the customer's side: what the payment page's form does ---------------------------------
    def pay(self, token: str, *, transaction_status: str = "settlement", **overrides) -> dict:
        """Complete the transaction as the customer would; sends the signed notification."""
        tx = self.transactions[token]
        note = notification(
            order_id=tx["order_id"],
            gross_amount=overrides.pop("gross_amount", tx["gross_amount"]),
            server_key=self.server_key,
            transaction_status=transaction_status,
            transaction_id=tx["transaction_id"],
            **overrides,
        )
        tx["status"] = note
        self.notify(note)
        return note

    def notify(self, note: dict) -> int:
        """POST a notification to ``notify_url`` as Midtrans does; returns the answer status."""
        request = urllib.request.Request(
            self.notify_url,
            data=json.dumps(note).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        with self._lock:
            self.notified.append((note, status))
        return status

    # --- request handling -----------------------------------------------------------------------
    def _handle(self, h: Handler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        parts = urlsplit(h.path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        try:
            data = json.loads(body) if body and "json" in headers.get("content-type", "") else None
        except ValueError:
            data = None
        record = {"method": h.command, "path": parts.path, "headers": headers, "json": data}
        with self._lock:
            self.requests.append(record)
            delay = self._delays.pop(0) if self._delays else 0
        if delay:
            time.sleep(delay)
        path = parts.path
        if path.startswith("/snap/v2/vtweb/"):
            return self._page(h, path, body)
        with self._lock:
            fail = self._fails.pop(0) if self._fails else None
        if fail:
            return self._json(
                h,
                fail,
                {
                    "error_messages": [
                        "Sorry, we encountered internal server error. We will fix this soon."
                    ]
                },
            )
        if headers.get("authorization") != self._auth():
            return self._json(h, 401, {"error_messages": UNAUTHORIZED})
        if h.command == "POST" and path == "/snap/v1/transactions":
            return self._create(h, data)
        match = re.fullmatch(r"/v2/([^/]+)/status", path)
        if h.command == "GET" and match:
            return self._status(h, match.group(1))
        return self._json(h, 404, {"error_messages": ["Not found"]})

    def _auth(self) -> str:
        return "Basic " + base64.b64encode(f"{self.server_key}:".encode()).decode()

    def _create(self, h: Handler, data) -> None:
        errors = []
        details = (data or {}).get("transaction_details") if isinstance(data, dict) else None
        if not isinstance(details, dict):
            return self._json(h, 400, {"error_messages": ["transaction_details is required"]})
        order_id, gross = details.get("order_id"), details.get("gross_amount")
        if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
            errors.append("transaction_details.order_id format is invalid")
        if not isinstance(gross, int) or isinstance(gross, bool) or gross < 1:
            errors.append("transaction_details.gross_amount must be an integer above 0")
        items = data.get("item_details")
        if items is not None and isinstance(gross, int):
            total = sum(int(i.get("price", 0)) * int(i.get("quantity", 0)) for i in items)
            if total != gross:
                errors.append(
                    "transaction_details.gross_amount is not equal to the sum of item_details"
                )
        if any(t["order_id"] == order_id for t in self.transactions.values()):
            errors.append("transaction_details.order_id has already been taken")
        if errors:
            return self._json(h, 400, {"error_messages": errors})
        token = str(uuid.uuid4())
        with self._lock:
            self.transactions[token] = {
                "order_id": order_id,
                "gross_amount": gross,
                "finish": (data.get("callbacks") or {}).get("finish", ""),
                "transaction_id": str(uuid.uuid4()),
                "status": None,
                "request": data,
            }
        self._json(
            h, 201, {"token": token, "redirect_url": f"{self.base_url}/snap/v2/vtweb/{token}"}
        )

    def _status(self, h: Handler, order_id: str) -> None:
        for tx in self.transactions.values():
            if tx["order_id"] == order_id and tx["status"]:
                return self._json(h, 200, tx["status"])
        self._json(h, 404, {"status_code": "404", "status_message": "Transaction doesn't exist."})

    def _page(self, h: Handler, path: str, body: bytes) -> None:
        token = path.removeprefix("/snap/v2/vtweb/").removesuffix("/pay").strip("/")
        tx = self.transactions.get(token)
        if tx is None:
            return self._html(h, 404, "<h1>Transaction not found</h1>")
        if h.command == "POST":
            form = parse_qs(body.decode())
            status = form.get("transaction_status", ["settlement"])[0]
            self.pay(token, transaction_status=status)
            target = (
                tx["finish"]
                + ("&" if "?" in tx["finish"] else "?")
                + urlencode(
                    {
                        "order_id": tx["order_id"],
                        "status_code": STATUS_CODES.get(status, "200"),
                        "transaction_status": status,
                    }
                )
            )
            h.send_response(302)
            h.send_header("Location", target)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        amount = f"{tx['gross_amount']:,}".replace(",", ".")
        self._html(
            h,
            200,
            f"""<!doctype html><html><head><meta name="viewport" content="width=device-width">
<title>Midtrans stand-in</title><style>body{{font-family:sans-serif;margin:2rem auto;max-width:28rem;padding:0 1rem}}
button{{width:100%;padding:.9rem;font-size:1.1rem;margin:.3rem 0}}</style></head><body>
<p><small>Midtrans Snap (test stand-in)</small></p>
<h1>Rp {amount}</h1><p>Order <code>{html.escape(tx["order_id"])}</code></p>
<form method="post" action="/snap/v2/vtweb/{token}/pay">
<button id="pay" name="transaction_status" value="settlement">Bayar (BCA Virtual Account)</button>
<button id="pending" name="transaction_status" value="pending">Bayar nanti (pending)</button>
</form></body></html>""",
        )
