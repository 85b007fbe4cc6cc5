"""Run ISPcare's FreeRADIUS configuration (deploy/freeradius) for a test, and talk RADIUS
to it with pyrad.

    with FreeRadiusServer(db_name="ispcare_x", workdir=tmp_path) as server:
        verdict, reply = access_request(server.auth_port, username="budi",
                                        password="rahasia", secret="testing123")
        assert verdict == "accept"
        assert reply["Mikrotik-Rate-Limit"] == ["20M/20M"]

The server reads its clients from the database's `nas` table at startup, so the rows
(and the schema) must be there before start(). No Django here: any test, script or bench
can use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

FREERADIUS = shutil.which("freeradius") or "/usr/sbin/freeradius"

REPO = Path(__file__).resolve().parents[2]
CONF_DIR = REPO / "deploy" / "freeradius"
ENV_FILE = CONF_DIR / "freeradius.env"
PYRAD_DICTIONARY = CONF_DIR / "pyrad.dictionary"
SCHEMA_SQL = Path("/etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql")

READY = "Ready to process requests"


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the test process dies (Linux), so a
    killed test run leaves no server behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port nothing is bound to right now on `host` ("*": any IPv4 address) - the
    kernel's pick."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind(("" if host == "*" else host, 0))
        return sock.getsockname()[1]


class FreeRadiusServer:
    """`freeradius -f -d deploy/freeradius -l WORKDIR/radius.log`, configured through
    the environment (deploy/freeradius/freeradius.env: every variable is set here), on
    free UDP ports of 127.0.0.1 unless given, with reject_delay 0, its log and run
    directory in `workdir`. The server gets SIGTERM if the thread that started it dies."""

    def __init__(
        self,
        *,
        db_host: str = "127.0.0.1",
        db_port: int = 5432,
        db_name: str,
        db_user: str = "postgres",
        db_password: str = "",
        auth_port: int | None = None,
        acct_port: int | None = None,
        workdir: str | os.PathLike,
        listen_addr: str = "127.0.0.1",
        reject_delay: float = 0,
        log_arg: bool = True,
        conf_dir: str | os.PathLike = CONF_DIR,
        redis_host: str = "127.0.0.1",
        redis_port: int = 6379,
        redis_prefix: str | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        # Another config dir (a variant a bench builds from this one); default: the
        # repository's deploy/freeradius.
        self.conf_dir = Path(conf_dir)
        self.auth_port = auth_port or free_udp_port(listen_addr)
        self.acct_port = acct_port or free_udp_port(listen_addr)
        while self.acct_port == self.auth_port:
            self.acct_port = free_udp_port(listen_addr)
        # The same file either way: `-l` names it, or the config's log{} section
        # (${logdir}/radius.log) does, as under Debian's systemd unit (log_arg=False).
        self.log_path = self.workdir / "radius.log"
        self.log_arg = log_arg
        self.env = {
            "RADIUS_LISTEN_ADDR": listen_addr,
            "RADIUS_AUTH_PORT": str(self.auth_port),
            "RADIUS_ACCT_PORT": str(self.acct_port),
            "RADIUS_DB_HOST": db_host,
            "RADIUS_DB_PORT": str(db_port),
            "RADIUS_DB_NAME": db_name,
            "RADIUS_DB_USER": db_user,
            "RADIUS_DB_PASSWORD": db_password,
            "RADIUS_RUN_DIR": str(self.workdir),
            "RADIUS_LOG_DIR": str(self.workdir),
            "RADIUS_REJECT_DELAY": str(reject_delay),
            # The Redis read path (decision 0014). A prefix of this server's own unless
            # given, so tests and benches sharing one Redis never see each other's values.
            "RADIUS_REDIS_HOST": redis_host,
            "RADIUS_REDIS_PORT": str(redis_port),
            "RADIUS_REDIS_PREFIX": redis_prefix
            if redis_prefix is not None
            else f"radius-test-{os.getpid()}-{self.auth_port}:",
        }
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None

    def command(self) -> list[str]:
        command = [FREERADIUS, "-f", "-d", str(self.conf_dir)]
        return [*command, "-l", str(self.log_path)] if self.log_arg else command

    def start(self, timeout: float = 15.0) -> FreeRadiusServer:
        """Start the server and wait until it listens ("Ready to process requests" in its
        log). Raises RuntimeError with the end of the log if it exits or times out."""
        if self.process is not None:
            raise RuntimeError("FreeRADIUS already started")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path.write_text("")
        began = time.monotonic()
        with open(self.workdir / "radius.stdout", "wb") as out:
            self.process = subprocess.Popen(
                self.command(),
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        deadline = began + timeout
        while True:
            if READY in self.log():
                self.startup_seconds = time.monotonic() - began
                return self
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise RuntimeError(f"FreeRADIUS exited with {code}:\n{self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"FreeRADIUS not ready after {timeout} s:\n{self.tail()}")
            time.sleep(0.02)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def log(self) -> str:
        """The server's log so far (and whatever it printed before logging started)."""
        text = ""
        for path in (self.workdir / "radius.stdout", self.log_path):
            with contextlib.suppress(FileNotFoundError):
                text += path.read_text(errors="replace")
        return text

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def __enter__(self) -> FreeRadiusServer:
        return self if self.running() else self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def dictionary_path() -> str:
    """deploy/freeradius/pyrad.dictionary: $INCLUDE lines of FreeRADIUS's RFC 2865, 2866,
    2869, 3576, 5176 and MikroTik dictionaries (pyrad cannot parse the full one)."""
    return str(PYRAD_DICTIONARY)


_DICTIONARY = None


def _dictionary():
    global _DICTIONARY
    if _DICTIONARY is None:
        from pyrad.dictionary import Dictionary

        _DICTIONARY = Dictionary(dictionary_path())
    return _DICTIONARY


def _client(port: int, secret: str, timeout: float, *, acct: bool = False):
    from pyrad.client import Client

    kwargs = {"acctport": port} if acct else {"authport": port}
    client = Client(
        server="127.0.0.1", secret=secret.encode(), dict=_dictionary(), timeout=timeout, **kwargs
    )
    client.retries = 1
    return client


def _attributes(reply) -> dict[str, list]:
    # pyrad's keys() turns attribute codes into names; iterating the packet gives codes.
    return {str(key): list(reply[key]) for key in reply.keys()}  # noqa: SIM118


def access_request(
    port: int,
    *,
    username: str,
    password: str,
    secret: str,
    nas_ip: str = "127.0.0.1",
    timeout: float = 3.0,
    chap: bool = False,
) -> tuple[str, dict[str, list]]:
    """Send one Access-Request (PAP, or CHAP with chap=True, always with a
    Message-Authenticator) to 127.0.0.1:port. Returns ("accept" | "reject", the reply's
    attributes by name, e.g. {"Mikrotik-Rate-Limit": ["20M/20M"]}). No answer raises
    pyrad.client.Timeout."""
    from pyrad import packet

    client = _client(port, secret, timeout)
    request = client.CreateAuthPacket(code=packet.AccessRequest, User_Name=username)
    request["NAS-IP-Address"] = nas_ip
    request["NAS-Port-Type"] = "Virtual"
    request["Service-Type"] = "Framed-User"
    request["Framed-Protocol"] = "PPP"
    if chap:
        chap_id = secrets.randbelow(256)
        challenge = secrets.token_bytes(16)
        # CHAP is MD5 by definition (RFC 1994, RFC 2865 section 2.2).
        digest = hashlib.md5(bytes([chap_id]) + password.encode() + challenge).digest()  # noqa: S324
        request["CHAP-Password"] = bytes([chap_id]) + digest
        request["CHAP-Challenge"] = challenge
    else:
        request["User-Password"] = request.PwCrypt(password)
    request.add_message_authenticator()
    reply = client.SendPacket(request)
    verdicts = {packet.AccessAccept: "accept", packet.AccessReject: "reject"}
    if reply.code not in verdicts:
        raise AssertionError(f"unexpected RADIUS reply code {reply.code}")
    return verdicts[reply.code], _attributes(reply)


def accounting(
    port: int,
    *,
    username: str,
    session_id: str,
    status: str,
    secret: str,
    framed_ip: str | None = None,
    nas_ip: str = "127.0.0.1",
    **attrs,
) -> bool:
    """Send one Accounting-Request (status: "Start", "Interim-Update", "Stop",
    "Accounting-On", ...) to 127.0.0.1:port; further attributes as keywords with "_" for
    "-" (Acct_Session_Time=60, Calling_Station_Id="..."). True when an
    Accounting-Response came back (the server stored it), False on no answer."""
    from pyrad import packet
    from pyrad.client import Timeout

    client = _client(port, secret, attrs.pop("timeout", 3.0), acct=True)
    request = client.CreateAcctPacket(code=packet.AccountingRequest, User_Name=username)
    request["Acct-Status-Type"] = status
    request["Acct-Session-Id"] = session_id
    request["NAS-IP-Address"] = nas_ip
    if framed_ip is not None:
        request["Framed-IP-Address"] = framed_ip
    for name, value in attrs.items():
        request[name.replace("_", "-")] = value
    try:
        reply = client.SendPacket(request)
    except Timeout:
        return False
    return reply.code == packet.AccountingResponse
