"""A protocol-level double of the MikroTik RouterOS API service (TCP 8728, plain, no TLS).

It speaks the binary API on a real loopback socket, so the real ``librouteros`` client (or any
other client) talks to it unchanged: length-prefixed words grouped in sentences that end with a
zero-length word, ``/login`` with ``=name=``/``=password=`` (RouterOS 6.43 and later), replies
``!re`` / ``!done`` / ``!trap`` / ``!fatal``, ``.tag`` echoed on every reply sentence, and
``print`` query words evaluated on the boolean stack the way RouterOS does.

Documentation followed:

* MikroTik "API" manual (help.mikrotik.com/docs, page "API"; formerly wiki.mikrotik.com
  Manual:API): word-length encoding (1 to 5 byte prefixes, control bytes >= 0xF8 reserved),
  sentence structure, post-6.43 login, tags, ``getall`` as an alias of ``print``, ``.proplist``,
  query words and ``?#`` stack operations, ``!trap`` categories.
* "API command notes" (wiki.mikrotik.com): ``!fatal`` is sent only when the router closes the
  connection, e.g. ``/quit`` -> ``!fatal`` ``session terminated on request``.
* librouteros's own docs/api_analysis.rst: ``add`` answers ``!done`` ``=ret=*N``; the placement
  of ``.tag`` straight after the reply word.

Trap wording. These are the messages that RouterOS logs and client bug reports quote. None was
checked against a live router here:

* ``invalid user name or password (6)``, then ``!done``: wrong credentials on ``/login`` (6.43+).
  Raw router replies are quoted in BenMenking/routeros-api#52 and LaiArturs/RouterOS_API#9.
* ``failure: secret with the same name already exists``: duplicate ``/ppp/secret/add`` name
  (MadaMzandu/uisp-ros-plugin#31)
* ``input does not match any value of profile``, category 1: unknown PPP profile. The API manual
  shows category 1 on the matching ``... of interface`` trap.
* ``failure: already have such entry``: duplicate list+address in the address list
* ``no such item (4)``: ``set``/``remove`` with an ``.id`` that does not exist
* ``no such command or directory (X)`` (category 0) and then a second ``!trap``,
  ``no such command prefix``: unknown menu. This is what RouterOS 7 sends, as seen in
  home-assistant/core#68115. librouteros raises ``MultiTrapError`` for it.
* ``unknown parameter X``: an attribute the command does not take
* ``!fatal`` ``not logged in``: a command before ``/login``. The connection is then closed.
* Missing name/list/address on ``add`` get a ``failure: ...`` message. That wording is made up.

Only a few menus exist: ``/ppp/secret``, ``/ppp/active``, ``/ppp/profile`` (read only),
``/ip/firewall/address-list``, ``/system/identity`` and ``/system/resource`` (read only).
``fail_next`` / ``drop_next`` act on commands after login only, so a fresh connection still logs in.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections import deque
from collections.abc import Iterable

__all__ = ["RouterOSStandIn", "decode_length_prefix", "encode_length", "encode_sentence"]

# --------------------------------------------------------------------------- wire format


def encode_length(length: int) -> bytes:
    """Length prefix of one API word (help.mikrotik.com "API words" table)."""
    if length < 0x80:
        return length.to_bytes(1, "big")
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, "big")
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, "big")
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, "big")
    return b"\xf0" + length.to_bytes(4, "big")


def decode_length_prefix(first: int) -> tuple[int, int]:
    """Given the first byte of a prefix: (how many more bytes to read, bits of the first byte)."""
    if first < 0x80:
        return 0, first
    if first < 0xC0:
        return 1, first & 0x3F
    if first < 0xE0:
        return 2, first & 0x1F
    if first < 0xF0:
        return 3, first & 0x0F
    if first == 0xF0:
        return 4, 0
    raise ValueError(f"reserved control byte 0x{first:02X}")


def _encode_word(word: str) -> bytes:
    data = word.encode("utf-8", "surrogateescape")
    return encode_length(len(data)) + data


def encode_sentence(words: Iterable[str]) -> bytes:
    return b"".join(_encode_word(w) for w in words) + b"\x00"


class _Closed(Exception):
    """The peer closed the connection (or sent something we cannot frame)."""


def _read_exact(rfile, n: int) -> bytes:
    data = rfile.read(n) if n else b""
    if len(data) != n:
        raise _Closed
    return data


def _read_word(rfile) -> str:
    first = _read_exact(rfile, 1)[0]
    try:
        more, length = decode_length_prefix(first)
    except ValueError as exc:
        raise _Closed from exc
    for byte in _read_exact(rfile, more):
        length = (length << 8) | byte
    return _read_exact(rfile, length).decode("utf-8", "surrogateescape")


def _read_sentence(rfile) -> list[str]:
    words = []
    while (word := _read_word(rfile)) != "":
        words.append(word)
    return words


# --------------------------------------------------------------------------- semantics

_BOOL_IN = {"yes": "true", "true": "true", "no": "false", "false": "false"}
_BOOL_FIELDS = {"disabled", "dynamic"}
_SERVICES = ("any", "async", "l2tp", "ovpn", "pppoe", "pptp", "sstp")
_PRINT_ARGS = {".proplist", "count-only", "detail", "without-paging", "brief", "terse"}

_SECRET_ARGS = {
    "name",
    "password",
    "profile",
    "service",
    "disabled",
    "comment",
    "caller-id",
    "local-address",
    "remote-address",
    "remote-ipv6-prefix",
    "routes",
    "ipv6-routes",
    "limit-bytes-in",
    "limit-bytes-out",
}
_ADDRESS_LIST_ARGS = {"list", "address", "comment", "disabled", "timeout"}

# Directories that exist in the stand-in, to word "unknown menu" traps the way RouterOS does.
_DIRS = {
    "/ppp",
    "/ppp/secret",
    "/ppp/active",
    "/ppp/profile",
    "/ip",
    "/ip/firewall",
    "/ip/firewall/address-list",
    "/system",
    "/system/identity",
    "/system/resource",
}


class Trap(Exception):
    """Answer the current command with ``!trap`` (+ ``!done``)."""

    def __init__(self, message: str, category: int | None = None):
        super().__init__(message)
        self.message = message
        self.category = category


class _MultiTrap(Exception):
    def __init__(self, *traps: Trap):
        super().__init__(", ".join(t.message for t in traps))
        self.traps = traps


def _no_such_item() -> Trap:
    return Trap("no such item (4)")


def _format_uptime(seconds: float) -> str:
    s = int(seconds)
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            parts.append(f"{s // size}{unit}")
            s %= size
    if s or not parts:
        parts.append(f"{s}s")
    return "".join(parts)


def _has(item: dict, name: str) -> bool:
    return item.get(name) not in (None, "")


def _norm(name: str, value: str) -> str:
    if name in _BOOL_FIELDS:
        return _BOOL_IN.get(value, value)
    return value


def _compare(a: str, b: str) -> int:
    try:
        x, y = int(a), int(b)
    except ValueError:
        x, y = a, b  # type: ignore[assignment]
    return (x > y) - (x < y)


def query_matches(item: dict, queries: list[str]) -> bool:
    """Evaluate RouterOS print query words (without their leading '?') against one item.

    The stack starts with an infinite supply of 'true'; the item is kept unless a 'false'
    remains on the stack at the end (help.mikrotik.com API page, "Queries").
    """
    stack: list[bool] = []

    def pop() -> bool:
        return stack.pop() if stack else True

    def at(index: int) -> bool:
        return stack[-1 - index] if index < len(stack) else True

    for q in queries:
        if q.startswith("#"):
            ops = q[1:]
            i = 0
            after_index = False
            while i < len(ops):
                c = ops[i]
                if c.isdigit():
                    j = i
                    while j < len(ops) and ops[j].isdigit():
                        j += 1
                    value = at(int(ops[i:j]))
                    if j == len(ops):
                        stack[:] = [value]
                    else:
                        stack.append(value)
                    i, after_index = j, True
                    continue
                if c == "!":
                    stack.append(not pop())
                elif c == "&":
                    b, a = pop(), pop()
                    stack.append(a and b)
                elif c == "|":
                    b, a = pop(), pop()
                    stack.append(a or b)
                elif c == "." and not after_index:
                    stack.append(at(0))
                after_index = False
                i += 1
            continue
        if q.startswith("-"):
            stack.append(not _has(item, q[1:]))
            continue
        op = ""
        body = q
        if body[:1] in ("=", "<", ">"):
            op, body = body[0], body[1:]
        if "=" not in body:
            stack.append(_has(item, body))
            continue
        name, value = body.split("=", 1)
        have = item.get(name) or ""
        if op in ("", "="):
            stack.append(_norm(name, have) == _norm(name, value))
        else:
            c = _compare(have, value)
            stack.append(c < 0 if op == "<" else c > 0)
    return all(stack)


# --------------------------------------------------------------------------- the server


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.standin._opened(self.connection)

    def finish(self) -> None:
        self.server.standin._closed(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def send(self, *words: str, tag: str | None = None) -> None:
        self.send_all([words], tag=tag)

    def send_all(self, rows: Iterable[tuple[str, ...]], tag: str | None = None) -> None:
        """One write for the whole reply (no Nagle / delayed-ACK stall between sentences)."""
        if tag:
            rows = [(row[0], f".tag={tag}", *row[1:]) for row in rows]
        self.wfile.write(b"".join(encode_sentence(row) for row in rows))

    def handle(self) -> None:
        standin = self.server.standin
        logged_in = False
        while True:
            try:
                sentence = _read_sentence(self.rfile)
            except (_Closed, OSError):
                return
            if not sentence:
                continue  # "Empty sentences are ignored."
            command, rest = sentence[0], sentence[1:]
            attrs: dict[str, str] = {}
            queries: list[str] = []
            tag: str | None = None
            for word in rest:
                if word.startswith("="):
                    key, _, value = word[1:].partition("=")
                    attrs[key] = value
                elif word.startswith("?"):
                    queries.append(word[1:])
                elif word.startswith(".tag="):
                    tag = word[len(".tag=") :]
            try:
                if command == "/quit":
                    self.send("!fatal", "session terminated on request")
                    return
                if command == "/login":
                    if standin._login(attrs):
                        logged_in = True
                        self.send("!done", tag=tag)
                    else:
                        rows = [("!trap", "=message=invalid user name or password (6)"), ("!done",)]
                        self.send_all(rows, tag=tag)
                    continue
                if not logged_in:
                    self.send("!fatal", "not logged in")
                    return
                action, rows = standin._execute(command, attrs, queries, tag)
                if action == "drop":
                    return
                self.send_all(rows, tag=tag)
            except OSError:
                return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, standin: RouterOSStandIn, port: int):
        self.standin = standin
        super().__init__(("127.0.0.1", port), _Handler)


class RouterOSStandIn:
    """Protocol-level double of the MikroTik RouterOS API (TCP, length-prefixed words in sentences)."""

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str = "rahasia",
        profiles: Iterable[str] = ("default", "10M", "20M", "isolir"),
    ):
        self.username = username
        self.password = password
        self.profiles: list[str] = list(profiles)
        self.lock = threading.RLock()
        self.secrets: dict[str, dict] = {}
        self.address_lists: list[dict] = []
        self.active: list[dict] = []
        self.commands: list[tuple[str, dict]] = []
        self.identity = "MikroTik"
        self.version = "7.16.2 (stable)"
        self.logins: list[tuple[str, bool]] = []  # (user name tried, accepted?)
        self.host = "127.0.0.1"
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._faults: deque[tuple[str, str, int | None]] = deque()
        self._next = {"secret": 1, "address": 1, "active": 0x80000001}
        self._started_at: dict[str, float] = {}
        self._boot = time.monotonic()

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> RouterOSStandIn:
        """Listen on 127.0.0.1: a free port the first time, the same port again after ``stop()``
        (a router that went away and came back; its state is kept)."""
        self._server = _Server(self, self.port)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"routeros-standin:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self.lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RouterOSStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def open_connections(self) -> int:
        with self.lock:
            return len(self._conns)

    def _opened(self, conn: socket.socket) -> None:
        with self.lock:
            self._conns.add(conn)

    def _closed(self, conn: socket.socket) -> None:
        with self.lock:
            self._conns.discard(conn)

    # ---------------------------------------------------------------- test controls

    def add_active(self, name: str, address: str, *, caller_id: str | None = None) -> str:
        """Simulate a logged-in PPPoE session; returns its ``.id``."""
        with self.lock:
            n = self._next["active"]
            self._next["active"] += 1
            item_id = f"*{n:X}"
            self.active.append(
                {
                    ".id": item_id,
                    "name": name,
                    "service": "pppoe",
                    "caller-id": caller_id or f"02:00:00:00:{(n >> 8) & 0xFF:02X}:{n & 0xFF:02X}",
                    "address": address,
                    "uptime": "0s",
                }
            )
            self._started_at[item_id] = time.monotonic()
            return item_id

    def fail_next(self, message: str, *, times: int = 1, category: int | None = None) -> None:
        """The next ``times`` commands (after login) get ``!trap =message=...`` then ``!done``."""
        with self.lock:
            self._faults.extend([("trap", message, category)] * times)

    def drop_next(self, *, times: int = 1) -> None:
        """The next ``times`` commands (after login) close the connection without any reply."""
        with self.lock:
            self._faults.extend([("drop", "", None)] * times)

    # ---------------------------------------------------------------- dispatch

    def _login(self, attrs: dict[str, str]) -> bool:
        ok = attrs.get("name") == self.username and attrs.get("password") == self.password
        with self.lock:
            self.logins.append((attrs.get("name", ""), ok))
        return ok

    def _execute(
        self, command: str, attrs: dict[str, str], queries: list[str], tag: str | None
    ) -> tuple[str, list[tuple[str, ...]]]:
        recorded = dict(attrs)
        for q in queries:
            key, _, value = q.lstrip("=<>").partition("=") if not q.startswith("#") else (q, "", "")
            recorded["?" + key] = value
        if tag is not None:
            recorded[".tag"] = tag
        with self.lock:
            self.commands.append((command, recorded))
            fault = self._faults.popleft() if self._faults else None
            if fault is not None:
                kind, message, category = fault
                if kind == "drop":
                    return "drop", []
                return "reply", [*_trap_rows(Trap(message, category)), ("!done",)]
            try:
                rows = self._dispatch(command, attrs, queries)
            except Trap as trap:
                return "reply", [*_trap_rows(trap), ("!done",)]
            except _MultiTrap as multi:
                return "reply", [*(r for t in multi.traps for r in _trap_rows(t)), ("!done",)]
            return "reply", rows

    def _dispatch(
        self, command: str, attrs: dict[str, str], queries: list[str]
    ) -> list[tuple[str, ...]]:
        menu, _, verb = command.rpartition("/")
        if verb == "getall":
            verb = "print"
        handler = {
            ("/ppp/secret", "print"): lambda: self._print(self._secret_rows(), attrs, queries),
            ("/ppp/secret", "add"): lambda: self._secret_add(attrs),
            ("/ppp/secret", "set"): lambda: self._secret_set(attrs),
            ("/ppp/secret", "remove"): lambda: self._secret_remove(attrs),
            ("/ppp/active", "print"): lambda: self._print(self._active_rows(), attrs, queries),
            ("/ppp/active", "remove"): lambda: self._active_remove(attrs),
            ("/ppp/profile", "print"): lambda: self._print(self._profile_rows(), attrs, queries),
            ("/ip/firewall/address-list", "print"): lambda: self._print(
                self._address_rows(), attrs, queries
            ),
            ("/ip/firewall/address-list", "add"): lambda: self._address_add(attrs),
            ("/ip/firewall/address-list", "remove"): lambda: self._address_remove(attrs),
            ("/system/identity", "print"): lambda: self._print(
                [{"name": self.identity}], attrs, queries
            ),
            ("/system/resource", "print"): lambda: self._print(
                [self._resource_row()], attrs, queries
            ),
        }.get((menu, verb))
        if handler is None:
            raise _unknown_command(command)
        return handler()

    # ---------------------------------------------------------------- print

    def _print(
        self, items: list[dict], attrs: dict[str, str], queries: list[str]
    ) -> list[tuple[str, ...]]:
        for key in attrs:
            if key not in _PRINT_ARGS:
                raise Trap(f"unknown parameter {key}")
        matched = [item for item in items if query_matches(item, queries)]
        if "count-only" in attrs:
            return [("!done", f"=ret={len(matched)}")]
        proplist = attrs.get(".proplist")
        wanted = [p for p in proplist.split(",") if p] if proplist is not None else None
        rows: list[tuple[str, ...]] = []
        for item in matched:
            keys = [k for k in item if wanted is None or k in wanted]
            rows.append(("!re", *(f"={k}={item[k]}" for k in keys if _has(item, k))))
        rows.append(("!done",))
        return rows

    # ---------------------------------------------------------------- /ppp/secret

    def _ensure_ids(self, items: Iterable[dict], counter: str) -> None:
        for item in items:
            if ".id" not in item:
                item[".id"] = f"*{self._next[counter]:X}"
                self._next[counter] += 1

    def _secret_rows(self) -> list[dict]:
        for name, secret in self.secrets.items():
            secret.setdefault("name", name)  # tests may store a secret without repeating its name
        self._ensure_ids(self.secrets.values(), "secret")
        return [dict(s) for s in self.secrets.values()]

    def _check_secret_values(self, attrs: dict[str, str]) -> dict[str, str]:
        values = {}
        for key, value in attrs.items():
            if key not in _SECRET_ARGS:
                raise Trap(f"unknown parameter {key}")
            if key == "profile" and value not in self.profiles:
                raise Trap("input does not match any value of profile", 1)
            if key == "service" and value not in _SERVICES:
                raise Trap("input does not match any value of service", 1)
            if key == "disabled":
                if value not in _BOOL_IN:
                    raise Trap("input does not match any value of disabled", 1)
                value = _BOOL_IN[value]
            values[key] = value
        return values

    def _secret_add(self, attrs: dict[str, str]) -> list[tuple[str, ...]]:
        values = self._check_secret_values(attrs)
        name = values.get("name", "")
        if not name:
            raise Trap("failure: secret must have a name")  # wording not verified on a router
        if name in self.secrets:
            raise Trap("failure: secret with the same name already exists")
        self._ensure_ids(self.secrets.values(), "secret")
        item_id = f"*{self._next['secret']:X}"
        self._next["secret"] += 1
        secret = {
            ".id": item_id,
            "name": name,
            "service": "any",
            "password": "",
            "profile": "default",
            "disabled": "false",
        }
        secret.update(values)
        self.secrets[name] = secret
        return [("!done", f"=ret={item_id}")]

    def _find_secrets(self, ids: str) -> list[dict]:
        """Items named by ``.id`` / ``numbers``: comma-separated ``*N`` ids (or names)."""
        self._secret_rows()  # fills in names and ids of secrets that tests stored by hand
        found = []
        for ref in ids.split(","):
            match = next(
                (s for s in self.secrets.values() if ref in (s[".id"], s.get("name"))), None
            )
            if match is None:
                raise _no_such_item()
            found.append(match)
        return found

    def _secret_set(self, attrs: dict[str, str]) -> list[tuple[str, ...]]:
        attrs = dict(attrs)
        ref = attrs.pop(".id", None) or attrs.pop("numbers", None)
        if not ref:
            raise Trap("no such item (4)")
        targets = self._find_secrets(ref)
        values = self._check_secret_values(attrs)
        new_name = values.get("name")
        if new_name is not None:
            if not new_name:
                raise Trap("failure: secret must have a name")  # wording not verified
            if len(targets) > 1 or (
                new_name in self.secrets and self.secrets[new_name] is not targets[0]
            ):
                raise Trap("failure: secret with the same name already exists")
        for secret in targets:
            old_name = secret["name"]
            for key, value in values.items():
                if key == "comment" and value == "":
                    secret.pop("comment", None)
                else:
                    secret[key] = value
            if secret["name"] != old_name:  # re-key in place, keeping RouterOS's item order
                items = [
                    (secret["name"] if k == old_name else k, v) for k, v in self.secrets.items()
                ]
                self.secrets.clear()
                self.secrets.update(items)
        return [("!done",)]

    def _secret_remove(self, attrs: dict[str, str]) -> list[tuple[str, ...]]:
        ref = attrs.get(".id") or attrs.get("numbers")
        if not ref:
            raise Trap("no such item (4)")
        for secret in self._find_secrets(ref):
            self.secrets.pop(secret["name"], None)
        return [("!done",)]

    # ---------------------------------------------------------------- /ppp/active, /ppp/profile

    def _active_rows(self) -> list[dict]:
        rows = []
        now = time.monotonic()
        for session in self.active:
            row = dict(session)
            started = self._started_at.get(row.get(".id", ""))
            if started is not None:
                row["uptime"] = _format_uptime(now - started)
            rows.append(row)
        return rows

    def _active_remove(self, attrs: dict[str, str]) -> list[tuple[str, ...]]:
        ref = attrs.get(".id") or attrs.get("numbers")
        if not ref:
            raise Trap("no such item (4)")
        ids = ref.split(",")
        known = {s.get(".id") for s in self.active}
        if any(i not in known for i in ids):
            raise _no_such_item()
        self.active[:] = [s for s in self.active if s.get(".id") not in ids]
        for i in ids:
            self._started_at.pop(i, None)
        return [("!done",)]

    def _profile_rows(self) -> list[dict]:
        return [
            {".id": f"*{i:X}", "name": name, "default": "true" if name == "default" else "false"}
            for i, name in enumerate(self.profiles)
        ]

    def _resource_row(self) -> dict:
        return {
            "uptime": _format_uptime(time.monotonic() - self._boot),
            "version": self.version,
            "board-name": "CHR",
            "architecture-name": "x86_64",
            "platform": "MikroTik",
            "cpu-load": "1",
        }

    # ---------------------------------------------------------------- /ip/firewall/address-list

    def _address_rows(self) -> list[dict]:
        self._ensure_ids(self.address_lists, "address")
        return [dict(e) for e in self.address_lists]

    def _address_add(self, attrs: dict[str, str]) -> list[tuple[str, ...]]:
        for key in attrs:
            if key not in _ADDRESS_LIST_ARGS:
                raise Trap(f"unknown parameter {key}")
        list_name = attrs.get("list", "")
        address = attrs.get("address", "")
        if not list_name:
            raise Trap("failure: list name not specified")  # wording not verified on a router
        if not address:
            raise Trap("failure: address not specified")  # wording not verified on a router
        if address.endswith("/32"):
            address = address[:-3]  # RouterOS shows a single host without the /32
        disabled = attrs.get("disabled", "no")
        if disabled not in _BOOL_IN:
            raise Trap("input does not match any value of disabled", 1)
        if any(
            e.get("list") == list_name and e.get("address") == address for e in self.address_lists
        ):
            raise Trap("failure: already have such entry")
        self._ensure_ids(self.address_lists, "address")
        item_id = f"*{self._next['address']:X}"
        self._next["address"] += 1
        entry = {".id": item_id, "list": list_name, "address": address}
        if attrs.get("comment"):
            entry["comment"] = attrs["comment"]
        if attrs.get("timeout"):
            entry["timeout"] = attrs["timeout"]
        entry["disabled"] = _BOOL_IN[disabled]
        self.address_lists.append(entry)
        return [("!done", f"=ret={item_id}")]

    def _address_remove(self, attrs: dict[str, str]) -> list[tuple[str, ...]]:
        ref = attrs.get(".id") or attrs.get("numbers")
        if not ref:
            raise Trap("no such item (4)")
        self._ensure_ids(self.address_lists, "address")
        ids = ref.split(",")
        known = {e[".id"] for e in self.address_lists}
        if any(i not in known for i in ids):
            raise _no_such_item()
        self.address_lists[:] = [e for e in self.address_lists if e[".id"] not in ids]
        return [("!done",)]


def _trap_rows(trap: Trap) -> list[tuple[str, ...]]:
    words = ["!trap"]
    if trap.category is not None:
        words.append(f"=category={trap.category}")
    words.append(f"=message={trap.message}")
    return [tuple(words)]


def _unknown_command(command: str) -> _MultiTrap | Trap:
    """RouterOS names the first path element it cannot resolve, then adds "no such command prefix"."""
    parts = [p for p in command.split("/") if p]
    path = ""
    for part in parts[:-1]:
        path += "/" + part
        if path not in _DIRS:
            return _MultiTrap(
                Trap(f"no such command or directory ({part})", 0), Trap("no such command prefix")
            )
    if parts:
        return _MultiTrap(
            Trap(f"no such command or directory ({parts[-1]})", 0), Trap("no such command prefix")
        )
    return Trap("no such command prefix")
