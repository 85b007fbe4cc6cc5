"""RADIUS load tools for bench/radius_auth.py: radclient request files and runs, a latency
probe, FreeRADIUS config variants, kernel UDP drop counters. No Django in here.

The latency probe runs in a process of its own (`python radiuslib.py probe ...`), so its
timing does not share an interpreter (and a GIL) with the bench:

- closed: one request in flight at a time, back to back, until a stop file appears. Run
  next to the radclients, it sees what a NAS sees while the server is saturated: every
  request queues behind the radclients' 200 in flight (Little's law: latency is about
  in-flight / throughput, whatever the server does per request).
- open: requests sent at a fixed rate whatever the answers (a schedule, not a loop),
  for a duration; the latency at that offered load, below saturation.

Each request is a pre-built PAP Access-Request over a distinct user; the time is from
just before sendto() to just after recvfrom() of the matching answer (monotonic clock).
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONF_DIR = REPO / "deploy" / "freeradius"
PYRAD_DICTIONARY = CONF_DIR / "pyrad.dictionary"
RADCLIENT = shutil.which("radclient") or "/usr/bin/radclient"


# --- kernel counters ------------------------------------------------------------------


def udp_rcvbuf_errors() -> int:
    """Udp RcvbufErrors from /proc/net/snmp: datagrams the kernel dropped because a
    socket's receive buffer was full (machine-wide)."""
    lines = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines()]
    header, values = [line for line in lines if line[0] == "Udp:"][:2]
    return int(values[header.index("RcvbufErrors")])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (/proc/PID/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(db_name: str) -> float:
    """CPU time so far of the PostgreSQL backends connected to `db_name` (their process
    title names the database), plus the server's background processes (WAL writer,
    checkpointer...: shared with other databases, so an upper bound)."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if title.startswith("postgres:") and (
                f" {db_name} " in title
                or any(w in title for w in ("walwriter", "checkpointer", "background writer"))
            ):
                total += cpu_seconds(int(proc.name))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total


# --- radclient ------------------------------------------------------------------------


def request_files(
    users: list[tuple[str, str]], *, files: int, per_file: int, directory: Path, nas_ip: str
) -> list[Path]:
    """`files` radclient input files of `per_file` PAP Access-Requests each, over distinct
    users (users[0 : files * per_file], wrapping around if there are fewer)."""
    paths = []
    for f in range(files):
        path = directory / f"requests-{f}.txt"
        with path.open("w") as out:
            for i in range(per_file):
                name, password = users[(f * per_file + i) % len(users)]
                out.write(
                    f'User-Name = "{name}", User-Password = "{password}", '
                    f"NAS-IP-Address = {nas_ip}, NAS-Port-Type = Virtual, "
                    "Service-Type = Framed-User, Framed-Protocol = PPP\n\n"
                )
        paths.append(path)
    return paths


_SUMMARY = re.compile(r"^\s*(Accepted|Rejected|Lost)\s*:\s*(\d+)", re.M)


def radclients(
    paths: list[Path], *, port: int, secret: str, parallel: int = 50, timeout: float = 5.0
) -> dict:
    """One `radclient -q -s -p parallel -f FILE 127.0.0.1:port auth SECRET` per file, all
    at once. Returns wall time (first start to last exit) and the summed answers."""
    command = [RADCLIENT, "-q", "-s", "-p", str(parallel), "-t", str(timeout), "-r", "3"]
    began = time.perf_counter()
    procs = [
        subprocess.Popen(
            [*command, "-f", str(path), f"127.0.0.1:{port}", "auth", secret],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for path in paths
    ]
    outputs = [p.communicate()[0] for p in procs]
    seconds = time.perf_counter() - began
    totals = {"Accepted": 0, "Rejected": 0, "Lost": 0}
    for out in outputs:
        for name, count in _SUMMARY.findall(out):
            totals[name] += int(count)
    return {
        "seconds": seconds,
        "accepted": totals["Accepted"],
        "rejected": totals["Rejected"],
        "lost": totals["Lost"],
        "output": "\n".join(o[-500:] for o in outputs if "Accepted" not in o),
    }


# --- latency probe ----------------------------------------------------------------------


def _packets(users: list[tuple[str, str]], secret: str, nas_ip: str, sockets: int) -> list:
    """(socket index, RADIUS id, bytes) per user: distinct (socket, id) within any run of
    256 * sockets packets."""
    from pyrad import packet
    from pyrad.client import Client
    from pyrad.dictionary import Dictionary

    client = Client(
        server="127.0.0.1", secret=secret.encode(), dict=Dictionary(str(PYRAD_DICTIONARY))
    )
    built = []
    for i, (name, password) in enumerate(users):
        request = client.CreateAuthPacket(code=packet.AccessRequest, User_Name=name)
        request.id = (i // sockets) % 256
        request["NAS-IP-Address"] = nas_ip
        request["NAS-Port-Type"] = "Virtual"
        request["Service-Type"] = "Framed-User"
        request["Framed-Protocol"] = "PPP"
        request["User-Password"] = request.PwCrypt(password)
        built.append((i % sockets, request.id, request.RequestPacket()))
    return built


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(latencies: list[float], sent: int, lost: int, seconds: float) -> dict:
    ms = [x * 1000 for x in latencies]
    return {
        "sent": sent,
        "answered": len(ms),
        "lost": lost,
        "seconds": round(seconds, 3),
        "p50_ms": _round(_percentile(ms, 0.50)),
        "p95_ms": _round(_percentile(ms, 0.95)),
        "p99_ms": _round(_percentile(ms, 0.99)),
        "max_ms": _round(max(ms) if ms else None),
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def probe_closed(
    port: int, users: list[tuple[str, str]], secret: str, nas_ip: str, stop_file: Path
) -> dict:
    """One in flight, at most one every `gap` seconds (200/s: a sample, not load of its
    own), until stop_file exists (or the users run out)."""
    gap = 0.005
    packets = _packets(users, secret, nas_ip, 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(3.0)
    latencies, lost, sent = [], 0, 0
    began = time.perf_counter()
    print("ready", flush=True)
    for _, ident, data in packets:
        if stop_file.exists():
            break
        t0 = time.perf_counter()
        sock.send(data)
        sent += 1
        next_at = t0 + gap
        try:
            while True:
                reply = sock.recv(4096)
                if reply[1] == ident:
                    break
            latencies.append(time.perf_counter() - t0)
        except TimeoutError:
            lost += 1
        if (wait := next_at - time.perf_counter()) > 0:
            time.sleep(wait)
    return _summary(latencies, sent, lost, time.perf_counter() - began)


def probe_open(
    port: int, users: list[tuple[str, str]], secret: str, nas_ip: str, rate: float, seconds: float
) -> dict:
    """At `rate` requests/s on a fixed schedule for `seconds`; answers collected as they
    come, up to 3 s after the last send."""
    count = min(len(users), int(rate * seconds))
    n_socks = 16
    packets = _packets(users[:count], secret, nas_ip, n_socks)
    socks = []
    sel = selectors.DefaultSelector()
    for i in range(n_socks):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        socks.append(s)
    pending: dict[tuple[int, int], float] = {}
    latencies: list[float] = []

    def drain(timeout: float) -> None:
        for key, _ in sel.select(timeout):
            while True:
                try:
                    reply = key.fileobj.recv(4096)
                except BlockingIOError:
                    break
                t0 = pending.pop((key.data, reply[1]), None)
                if t0 is not None:
                    latencies.append(time.perf_counter() - t0)

    print("ready", flush=True)
    began = time.perf_counter()
    for i, (s, ident, data) in enumerate(packets):
        due = began + i / rate
        while (now := time.perf_counter()) < due:
            drain(due - now)
        pending[(s, ident)] = time.perf_counter()
        socks[s].send(data)
    deadline = time.perf_counter() + 3.0
    while pending and time.perf_counter() < deadline:
        drain(0.05)
    took = time.perf_counter() - began
    for s in socks:
        s.close()
    return _summary(latencies, len(packets), len(pending), took)


class Probe:
    """The probe as a child process: start(), then result() (closed mode: stop() first)."""

    def __init__(self, workdir: Path, *, port: int, users, secret: str, nas_ip: str, **kw):
        self.workdir = workdir
        self.stop_file = workdir / "probe.stop"
        self.stop_file.unlink(missing_ok=True)
        users_file = workdir / "probe-users.json"
        users_file.write_text(json.dumps(users))
        args = {"port": port, "secret": secret, "nas_ip": nas_ip, "users": str(users_file)}
        args.update(kw, stop_file=str(self.stop_file))
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "probe", json.dumps(args)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        self.stop_file.touch()

    def result(self) -> dict:
        out = self.proc.communicate(timeout=120)[0]
        return json.loads(out.strip().splitlines()[-1])


def _probe_main(raw: str) -> None:
    args = json.loads(raw)
    users = [tuple(u) for u in json.loads(Path(args["users"]).read_text())]
    if args.get("mode") == "open":
        result = probe_open(
            args["port"], users, args["secret"], args["nas_ip"], args["rate"], args["seconds"]
        )
    else:
        result = probe_closed(
            args["port"], users, args["secret"], args["nas_ip"], Path(args["stop_file"])
        )
    print(json.dumps(result), flush=True)


# --- config variants ---------------------------------------------------------------------

FILES_SITE = """\
#  Bench variant: the same users from FreeRADIUS's flat `files` module (the upper bound).
#  No SQL on the Access-Request path at all (no post-auth logging either). sql stays
#  instantiated for the client list (the nas table) and accounting.
server default {
listen {
	type = auth
	ipaddr = $ENV{RADIUS_LISTEN_ADDR}
	port = $ENV{RADIUS_AUTH_PORT}
	recv_buff = 4194304
}
listen {
	type = acct
	ipaddr = $ENV{RADIUS_LISTEN_ADDR}
	port = $ENV{RADIUS_ACCT_PORT}
	recv_buff = 4194304
}
authorize {
	preprocess
	chap
	mschap
	files
	pap
}
authenticate {
	Auth-Type PAP {
		pap
	}
	Auth-Type CHAP {
		chap
	}
	Auth-Type MS-CHAP {
		mschap
	}
}
preacct {
	preprocess
	acct_unique
}
accounting {
	sql
}
post-auth {
	Post-Auth-Type REJECT {
		attr_filter.access_reject
	}
}
}
"""

FILES_MODULE = """\
files {
	filename = ${confdir}/users.bench
}
"""


def users_file_line(name: str, password: str, reply: list[tuple[str, str]]) -> str:
    """One entry of an `authorize`-style users file."""
    lines = [f'{name}\tCleartext-Password := "{password}"']
    lines += [f'\t{attribute} := "{value}",' for attribute, value in reply]
    if len(lines) > 1:
        lines[-1] = lines[-1].rstrip(",")
    return "\n".join(lines) + "\n\n"


def files_variant(
    directory: Path, entries: list[tuple[str, str, list[tuple[str, str]]]], base: Path = CONF_DIR
) -> Path:
    """A copy of `base` whose default server authorises from `files` (users.bench)."""
    if directory.exists():
        shutil.rmtree(directory)
    shutil.copytree(base, directory)
    for path in (directory / "sites-enabled").iterdir():
        path.unlink()
    (directory / "sites-enabled" / "default").write_text(FILES_SITE)
    (directory / "mods-enabled" / "files").write_text(FILES_MODULE)
    with (directory / "users.bench").open("w") as out:
        for name, password, reply in entries:
            out.write(users_file_line(name, password, reply))
    return directory


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "probe":
        _probe_main(sys.argv[2])
    else:
        sys.exit(f"usage: {os.path.basename(__file__)} probe JSON")
