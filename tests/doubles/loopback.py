"""The HTTP server under the payment gateways' stand-ins: one threaded server on a free
loopback port, every request handed to the stand-in's `_handle(handler)`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: Any

    def handle_error(self, request, client_address):
        pass  # a client hanging up is not worth a traceback


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs offer it
    timeout = 30  # an idle keep-alive connection does not hold its thread forever
    server: Server

    def log_message(self, format, *args):  # no request log on stderr
        pass

    def do_GET(self):
        self.server.standin._handle(self)

    do_POST = do_GET


def answer(h: Handler, status: int, raw: bytes, content_type: str) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(raw)))
    h.end_headers()
    h.wfile.write(raw)


class LoopbackStandIn:
    """start()/stop() (or `with`), and base_url while started."""

    _server: Server | None = None
    _thread: threading.Thread | None = None

    def start(self):
        self._server = Server(("127.0.0.1", 0), Handler)
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
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def _json(h: Handler, status: int, payload) -> None:
        answer(h, status, json.dumps(payload).encode(), "application/json")

    @staticmethod
    def _html(h: Handler, status: int, text: str) -> None:
        answer(h, status, text.encode(), "text/html; charset=utf-8")

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"
