"""A test NAS: answers RADIUS CoA-Request and Disconnect-Request (RFC 5176) on loopback.

Not a MikroTik, but it speaks the wire format a MikroTik's RADIUS incoming (port 3799)
does, through pyrad's packet code: it checks the request authenticator with its shared
secret (a request signed with another secret gets no answer, as on a router), records
every request's attributes, and answers ACK, or NAK with an Error-Cause when told to.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from pyrad import packet
from pyrad.dictionary import Dictionary

DICTIONARY = Path(__file__).resolve().parents[2] / "src/ispcare/network/radius.dictionary"


class TestNas:
    __test__ = False  # not a pytest test class

    def __init__(self, *, secret: str = "nas-secret", address: str = "127.0.0.1"):
        self.secret = secret.encode()
        self.address = address
        self.dictionary = Dictionary(str(DICTIONARY))
        self.received: list[dict] = []  # {"code": int, "attributes": {name: [values]}}
        self.answer = "ack"  # "ack", "nak" or "silent"
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((address, 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TestNas:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                request = packet.CoAPacket(packet=data, dict=self.dictionary, secret=self.secret)
                if not request.VerifyCoARequest():
                    continue  # wrong shared secret: a router stays silent
            except packet.PacketError:
                continue
            # pyrad: keys() gives attribute names; iterating the dict gives numeric codes.
            attributes = {key: request[key] for key in request.keys() if isinstance(key, str)}  # noqa: SIM118
            self.received.append({"code": request.code, "attributes": attributes})
            if self.answer == "silent":
                continue
            reply = request.CreateReply()
            if self.answer == "nak":
                reply.code = (
                    packet.DisconnectNAK
                    if request.code == packet.DisconnectRequest
                    else packet.CoANAK
                )
                reply["Error-Cause"] = "Session-Context-Not-Found"
            else:
                reply.code = (
                    packet.DisconnectACK
                    if request.code == packet.DisconnectRequest
                    else packet.CoAACK
                )
            self._sock.sendto(reply.ReplyPacket(), peer)
