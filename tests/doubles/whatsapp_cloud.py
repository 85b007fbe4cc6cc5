"""WhatsApp Cloud API stand-in: a protocol-level double of the WhatsApp Business Cloud API.

A real HTTP server on 127.0.0.1 answering ``POST /{version}/{phone_number_id}/messages`` as Meta's
Graph API does, so the client under test runs its real HTTP stack (keep-alive, timeouts, status
codes, JSON error bodies). Only ``text`` and ``template`` messages. Documented formats followed:

- Send endpoint, text and template message objects, and the success body
  ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id"}]}`` (templates
  add ``"message_status": "accepted"``): Cloud API reference, Messages
  (developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).
- Error body ``{"error": {"message": "(#<code>) <title>", "type": "OAuthException", "code",
  "error_data": {"messaging_product": "whatsapp", "details"}, "fbtrace_id"}}``, and the code,
  title, details and HTTP status of each error in ERRORS: "WhatsApp error codes"
  (developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
  ``error_subcode`` is left out: it is deprecated and absent from v16.0+ responses. Token errors
  (190) are plain Graph OAuth errors: no ``error_data``, plus a ``WWW-Authenticate`` header.
- Webhooks: "Status messages webhook reference" (sent/delivered carry ``conversation`` and
  ``pricing``, read carries neither, failed carries ``errors``), the text messages webhook
  reference (``contacts`` + ``messages``), and Graph API Webhooks "Validate payloads" for the
  ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed by the app secret>`` header.

Where sources disagree the choice is noted next to the value (see 131056).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# code -> (HTTP status, "message" as the Graph API sends it). The title is the message without
# its "(#code) " prefix; webhook error objects carry it as both "title" and "message".
ERRORS: dict[int, tuple[int, str]] = {
    0: (401, "(#0) AuthException"),
    190: (401, "Error validating access token: Session has expired"),
    100: (400, "(#100) Invalid parameter"),
    368: (403, "(#368) Temporarily blocked for policies violations"),
    130429: (400, "(#130429) Rate limit hit"),
    131000: (500, "(#131000) Something went wrong"),
    131026: (400, "(#131026) Message Undeliverable"),
    131047: (400, "(#131047) Re-engagement message"),
    # Meta's table says 400; some integrators report 429 for this code. Match on the code.
    131056: (400, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
    132000: (400, "(#132000) Number of parameters does not match the expected number of params"),
    132001: (404, "(#132001) Template name does not exist in the translation"),
}
# Default error_data.details per code (Meta's documented "details" strings).
DETAILS: dict[int, str] = {
    0: "We were unable to authenticate the app user.",
    368: "The WhatsApp Business Account associated with the app has been restricted or "
    "disabled for violating a platform policy.",
    130429: "Cloud API message throughput has been reached.",
    131000: "Message failed to send due to an unknown error.",
    131026: "Message Undeliverable.",
    131047: "Message failed to send because more than 24 hours have passed since the customer "
    "last replied to this number.",
    131056: "Message failed to send because there were too many messages sent from this phone "
    "number to the same phone number in a short period of time.",
}
ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
DISPLAY_PHONE_NUMBER = "15550783881"  # Meta's example business number
TEXT_BODY_MAX = 4096
# Per-message pricing (PMP, since July 2025) as sent/delivered statuses carry it.
PRICING = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
UNSUPPORTED_TAIL = (
    ", cannot be loaded due to missing permissions, or does not support this operation. "
    "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
)


def _fbtrace_id() -> str:
    return "A" + secrets.token_urlsafe(16)[:22]


def new_wamid(digits: str = "6281234567890") -> str:
    """A unique id shaped like Meta's: base64 of <1c 18 len><number><15 02 00 11 18 12><hex><00>."""
    raw = bytes([0x1C, 0x18, len(digits)]) + digits.encode() + b"\x15\x02\x00\x11\x18\x12"
    return "wamid." + base64.b64encode(raw + secrets.token_hex(9).upper().encode() + b"\0").decode()


def error_body(code: int, message: str | None = None, details: str | None = None) -> dict:
    """The Graph API error body for ``code`` (real message/details unless overridden)."""
    message = message or ERRORS.get(code, (400, f"(#{code}) Error"))[1]
    error: dict = {"message": message, "type": "OAuthException", "code": code}
    if code not in (0, 190):  # token errors come from Graph itself: no WhatsApp error_data
        details = details if details is not None else DETAILS.get(code, "")
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": {**error, "fbtrace_id": _fbtrace_id()}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: WhatsAppCloudStandIn

    def handle_error(self, request, client_address):
        pass  # a client hanging up (or stop() cutting a connection) is not worth a traceback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Graph offers it
    timeout = 30  # an idle keep-alive connection does not hold its thread forever
    server: _Server

    def log_message(self, format, *args):  # no request log on stderr
        pass

    def setup(self):
        super().setup()
        self.server.standin._track(self.connection, add=True)

    def finish(self):
        self.server.standin._track(self.connection, add=False)
        super().finish()

    def do_POST(self):
        self.server.standin._handle(self)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST


class WhatsAppCloudStandIn:
    """Protocol-level double of the WhatsApp Business Cloud API /messages endpoint."""

    def __init__(
        self,
        *,
        access_token: str = "test-access-token",
        phone_number_id: str = "106540352242922",
        api_version: str = "v21.0",
        templates: dict[tuple[str, str], int] | None = None,
    ):
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.api_version = api_version
        self.templates = templates  # {(name, language code): body params}; None accepts any
        self.requests: list[dict] = []
        self.sent: list[dict] = []
        # Digits of numbers "not on WhatsApp": answered synchronously with 131026. (Meta also
        # reports it later as a failed status; status_event(status="failed") builds that.)
        self.unregistered: set[str] = set()
        self._lock = threading.Lock()
        self._drops = 0
        self._delays: list[float] = []
        self._fails: list[tuple[int, int, str | None, str | None]] = []
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> WhatsAppCloudStandIn:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        # A short poll interval keeps stop() (one per test) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes delayed handlers
        self._server.shutdown()
        self._server.server_close()
        # Keep-alive connections live in their own threads; cut them so a pooled client
        # connection cannot keep talking to a "stopped" server.
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> WhatsAppCloudStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("WhatsAppCloudStandIn is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{self.api_version}/{self.phone_number_id}/messages"

    # --- fault injection (each applies to the next POSTs to a /messages path) ---------------
    def fail_next(
        self,
        code: int,
        *,
        times: int = 1,
        http_status: int | None = None,
        message: str | None = None,
        details: str | None = None,
    ) -> None:
        """Answer the next ``times`` POSTs with Meta's error body for ``code``."""
        status = http_status or ERRORS.get(code, (400, ""))[0]
        with self._lock:
            self._fails.extend([(code, status, message, details)] * times)

    def drop_next(self, *, times: int = 1) -> None:
        """Read the next ``times`` POSTs, then close the connection without answering."""
        with self._lock:
            self._drops += times

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` POSTs after ``seconds``. As with the real API, a message
        whose client gave up waiting is still accepted (and listed in ``sent``)."""
        with self._lock:
            self._delays.extend([seconds] * times)

    # --- request handling --------------------------------------------------------------------
    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._conns.add if add else self._conns.discard)(conn)

    def _handle(self, h: _Handler) -> None:
        # Clients send Content-Length with JSON bodies; chunked uploads are not supported.
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        path = urlsplit(h.path).path
        headers = {k.lower(): v for k, v in h.headers.items()}
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        record = {"path": path, "headers": headers, "json": data, "status": None}
        with self._lock:
            self.requests.append(record)
        answer = self._answer(h.command, path, headers, data)
        if answer is None or self._stopping.is_set():
            h.close_connection = True  # closed without a byte of response
            return
        status, payload, extra = answer
        with self._lock:
            record["status"] = status
        raw = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=UTF-8")
        h.send_header("Content-Length", str(len(raw)))
        for name, value in extra.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(raw)

    def _answer(self, method: str, path: str, headers: dict, data) -> tuple | None:
        match = re.fullmatch(rf"/{re.escape(self.api_version)}/([^/]+)/messages/?", path)
        if method != "POST" or match is None:
            body = {"message": f"Unknown path components: {path}", "type": "OAuthException"}
            return 404, {"error": {**body, "code": 2500, "fbtrace_id": _fbtrace_id()}}, {}
        with self._lock:
            drop = self._drops > 0
            if drop:
                self._drops -= 1
            delay = self._delays.pop(0) if self._delays and not drop else None
            fail = self._fails.pop(0) if self._fails and not drop else None
        if drop:
            return None
        if delay and self._stopping.wait(delay):  # stop() during the delay: hang up
            return None
        if fail:
            code, status, message, details = fail
            return status, error_body(code, message, details), {}

        if headers.get("authorization") != f"Bearer {self.access_token}":
            body = error_body(190)
            challenge = f'OAuth "Facebook Platform" "invalid_token" "{body["error"]["message"]}"'
            return 401, body, {"WWW-Authenticate": challenge}
        if match.group(1) != self.phone_number_id:
            message = f"Unsupported post request. Object with ID '{match.group(1)}' does not exist"
            error = {"message": message + UNSUPPORTED_TAIL, "type": "GraphMethodException"}
            error |= {"code": 100, "error_subcode": 33, "fbtrace_id": _fbtrace_id()}
            return 400, {"error": error}, {}

        problem = _invalid(data)
        if problem:
            return 400, error_body(100, details=problem), {}
        to = data["to"]
        digits = to.lstrip("+")
        if digits in self.unregistered:
            return 400, error_body(131026), {}
        kind = data.get("type", "text")
        if kind == "template" and self.templates is not None:
            template = data["template"]
            key = (template["name"], template["language"]["code"])
            if key not in self.templates:
                details = f"template name ({key[0]}) does not exist in {key[1]}"
                return 404, error_body(132001, details=details), {}
            bodies = [c for c in template.get("components", []) if c["type"].lower() == "body"]
            got, want = sum(len(c.get("parameters", [])) for c in bodies), self.templates[key]
            if got != want:
                details = f"body: number of localizable_params ({got}) does not match the "
                details += f"expected number of params ({want})"
                return 400, error_body(132000, details=details), {}

        wamid = new_wamid(digits)
        message = {"id": wamid} | ({"message_status": "accepted"} if kind == "template" else {})
        with self._lock:
            self.sent.append({"id": wamid, "to": to, "type": kind, "payload": data})
        body = {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": digits}]}
        return 200, {**body, "messages": [message]}, {}


def _filled(value) -> bool:
    return isinstance(value, str) and value != ""


def _invalid(data) -> str | None:
    """error_data.details for a body the Cloud API rejects with code 100, else None."""

    def missing(name: str) -> str:
        return f"The parameter {name} is required."

    for name in ("messaging_product", "to"):
        if not isinstance(data, dict) or name not in data:
            return missing(name)
    for name, allowed in (("messaging_product", "whatsapp"), ("recipient_type", "individual")):
        if data.get(name, allowed) != allowed:
            return f'Param {name} must be one of {{{allowed.upper()}}} - got "{data[name]}".'
    if not isinstance(data["to"], str) or not re.fullmatch(r"\+?\d{6,15}", data["to"]):
        return f'Param to must be a phone number in international format - got "{data["to"]}".'
    kind = data.get("type", "text")  # the Cloud API defaults type to text
    if kind == "text":
        text = data["text"] if isinstance(data.get("text"), dict) else {}
        if not _filled(text.get("body")):
            return missing("text['body']")
        if len(text["body"]) > TEXT_BODY_MAX:
            return f"Param text['body'] must be at most {TEXT_BODY_MAX} characters long."
        if not isinstance(text.get("preview_url", False), bool):
            return "Param text['preview_url'] must be a boolean."
        return None
    if kind != "template":
        return f'Param type must be one of {{TEXT, TEMPLATE}} in this stand-in - got "{kind}".'
    template = data["template"] if isinstance(data.get("template"), dict) else {}
    language = template["language"] if isinstance(template.get("language"), dict) else {}
    if not _filled(template.get("name")):
        return missing("template['name']")
    if not _filled(language.get("code")):
        return missing("template['language']['code']")
    if not isinstance(template.get("components", []), list):
        return "Param template['components'] must be an array."
    for i, component in enumerate(template.get("components", [])):
        at = f"template['components'][{i}]"
        if not isinstance(component, dict) or not _filled(component.get("type")):
            return missing(f"{at}['type']")
        if not isinstance(component.get("parameters", []), list):
            return f"Param {at}['parameters'] must be an array."
        for j, param in enumerate(component.get("parameters", [])):
            where = f"{at}['parameters'][{j}]"
            if not isinstance(param, dict) or not _filled(param.get("type")):
                return missing(f"{where}['type']")
            if param["type"] == "text" and not _filled(param.get("text")):
                return missing(f"{where}['text']")
    return None


# --- webhooks WhatsApp sends to the business -------------------------------------------------
def _envelope(value: dict, waba_id: str, phone_number_id: str) -> dict:
    metadata = {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": phone_number_id}
    value = {"messaging_product": "whatsapp", "metadata": metadata, **value}
    change = {"value": value, "field": "messages"}
    return {"object": "whatsapp_business_account", "entry": [{"id": waba_id, "changes": [change]}]}


def webhook_error(code: int, details: str | None = None) -> dict:
    """An error object as found in a failed status's ``errors`` list."""
    details = details if details is not None else DETAILS.get(code, "")
    title = re.sub(r"^\(#\d+\) ", "", ERRORS.get(code, (400, f"(#{code}) Error"))[1])
    error = {"code": code, "title": title, "message": title}
    return {**error, "error_data": {"details": details}, "href": ERROR_CODES_URL}


def status_event(
    *,
    wamid: str,
    status: str,
    recipient_id: str,
    timestamp: int | None = None,
    phone_number_id: str = "106540352242922",
    errors: list | None = None,
    waba_id: str = "102290129340398",
) -> dict:
    """Full webhook body for a sent/delivered/read/failed status of one outbound message."""
    if status not in ("sent", "delivered", "read", "failed"):
        raise ValueError(f"unknown WhatsApp message status {status!r}")
    ts = int(time.time()) if timestamp is None else timestamp
    entry: dict = {"id": wamid, "status": status, "timestamp": str(ts)}
    entry["recipient_id"] = recipient_id
    if status in ("sent", "delivered"):  # a template the business sent (utility category)
        conversation: dict = {"id": hashlib.md5(wamid.encode()).hexdigest()}  # noqa: S324 - an id
        if status == "sent":  # only the first status of a conversation carries its expiry
            conversation["expiration_timestamp"] = str(ts + 24 * 3600)
        entry["conversation"] = {**conversation, "origin": {"type": "utility"}}
        entry["pricing"] = {**PRICING}
    elif status == "failed":
        entry["errors"] = errors if errors is not None else [webhook_error(131026)]
    return _envelope({"statuses": [entry]}, waba_id, phone_number_id)


def inbound_text_event(
    *,
    from_: str,
    text: str,
    wamid: str | None = None,
    name: str = "Pelanggan",
    timestamp: int | None = None,
    phone_number_id: str = "106540352242922",
    waba_id: str = "102290129340398",
) -> dict:
    """Full webhook body for a text message a customer sent to the business."""
    ts = int(time.time()) if timestamp is None else timestamp
    message = {"from": from_, "id": wamid or new_wamid(from_), "timestamp": str(ts), "type": "text"}
    contact = {"profile": {"name": name}, "wa_id": from_}
    value = {"contacts": [contact], "messages": [{**message, "text": {"body": text}}]}
    return _envelope(value, waba_id, phone_number_id)


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header value Meta sends with ``body`` (the raw request bytes)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
