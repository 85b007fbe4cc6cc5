"""A real SMTP server on loopback (aiosmtpd) that records what it accepted.

Not a double: aiosmtpd speaks SMTP for real. It can refuse chosen recipients with 550
(a mailbox that does not exist) and be stopped and started again on the same port, to
test a mail server that goes away in the middle of a batch.
"""

from __future__ import annotations

import email
import logging
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # one INFO line per SMTP command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.received.append(message)
            n = len(self.server.received)
        if self.server.after_each is not None:
            self.server.after_each(n)
        return "250 2.0.0 Ok: queued"


class SMTPServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()
        self.after_each = None  # called with the count after each accepted message
        self._controller: Controller | None = None

    def start(self) -> SMTPServer:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def ids(self) -> list[str]:
        """X-ISPcare-Notification of every accepted message, in order."""
        with self.lock:
            return [str(m["X-ISPcare-Notification"]) for m in self.received]
