"""The `ispcare` console script: management commands, and `ispcare demo` end to end."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.subprocesses import clean_env

ISPCARE = str(Path(sys.executable).parent / "ispcare")


def _env(tmp_path, **extra) -> dict:
    """A SQLite project of its own under tmp_path, whatever pass the suite runs in."""
    return clean_env(ISPCARE_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1", **extra)


def test_console_script_runs_management_commands(tmp_path):
    result = subprocess.run(
        [ISPCARE, "check"], env=_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_console_script_lists_its_own_commands(tmp_path):
    result = subprocess.run(
        [ISPCARE, "help"], env=_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "demo_load" in result.stdout
    assert "run_huey" in result.stdout


def test_unknown_command_fails(tmp_path):
    result = subprocess.run(
        [ISPCARE, "no_such_command"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Unknown command" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    """`ispcare demo` in its own process group, as a terminal would run it."""

    def __init__(self, tmp_path, port: int) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [ISPCARE, "demo"],
            env=_env(tmp_path, PORT=str(port)),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.pgid = os.getpgid(self.proc.pid)
        self.lines: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while "Press Ctrl-C" not in self.output:
            assert self.proc.poll() is None, f"ispcare demo exited early:\n{self.output}"
            assert time.monotonic() < deadline, f"ispcare demo not ready:\n{self.output}"
            time.sleep(0.2)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def group_alive(self) -> bool:
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        return True

    def stopped(self, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        self.proc.wait(timeout=timeout)
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        return not self.group_alive()

    def kill(self) -> None:
        if self.group_alive():
            os.killpg(self.pgid, signal.SIGKILL)


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs in the SQLite pass")
def test_demo_serves_and_ctrl_c_stops_web_and_worker(tmp_path):
    demo = Demo(tmp_path, _free_port())
    try:
        demo.wait_ready()
        assert "Demo data loaded" in demo.output
        for login in ("registrasi", "cs", "teknisi", "noc", "keuangan", "penutupan", "manajer"):
            assert f"  {login} " in demo.output
        status, body = demo.get("/health/")
        assert status == 200, body
        health = json.loads(body)
        assert health["status"] == "ok"
        assert all(health[k]["ok"] for k in ("database", "queue", "channel_layer"))
        for path in ("/", "/register/", "/accounts/login/", "/api/v1/docs"):
            assert demo.get(path)[0] == 200, path
        os.killpg(demo.pgid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert demo.stopped(), f"processes left after Ctrl-C:\n{demo.output}"
        assert demo.proc.returncode == 0, demo.output
    finally:
        demo.kill()

    # Again on the same data: nothing is loaded twice; SIGTERM to the leader stops it all.
    demo = Demo(tmp_path, _free_port())
    try:
        demo.wait_ready()
        assert "Demo data already present; nothing changed." in demo.output
        assert demo.get("/health/")[0] == 200
        demo.proc.send_signal(signal.SIGTERM)
        assert demo.stopped(), f"processes left after SIGTERM:\n{demo.output}"
    finally:
        demo.kill()
