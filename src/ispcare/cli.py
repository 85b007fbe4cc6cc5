"""`ispcare` console script: demo, serve, worker, and every Django management command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ispcare.settings")


def serve(port: str | None = None, host: str | None = None) -> int:
    """The ASGI server (HTTP and WebSockets)."""
    import uvicorn

    _django_setup()
    uvicorn.run(
        "ispcare.asgi:application",
        host=host or os.environ.get("HOST", "127.0.0.1"),
        port=int(port or os.environ.get("PORT", "8000")),
        log_level=os.environ.get("UVICORN_LOG_LEVEL", "info"),
        proxy_headers=True,
        lifespan="off",  # Django has no lifespan handlers; saves a log line
    )
    return 0


def _manage(*args: str) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ispcare", *args])


def demo() -> int:
    """Migrate, load the Vokasi.Net demo data, start web + worker/scheduler; Ctrl-C stops all."""
    _django_setup()
    import django

    django.setup()
    from django.conf import settings

    _manage("migrate", "--noinput", "-v", "0")
    _manage("createcachetable", "-v", "0")
    _manage("demo_load")
    port = os.environ.get("PORT", "8000")
    env = {
        **os.environ,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", f"http://localhost:{port}"),
    }
    exe = [sys.executable, "-m", "ispcare.cli"]
    # Ctrl-C must reach us even when started from a shell that ignores SIGINT in the background.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    procs = [
        subprocess.Popen([*exe, "serve", "--port", port], env=env),  # noqa: S603 (our own interpreter)
        subprocess.Popen([*exe, "worker"], env=env),  # noqa: S603
    ]
    from ispcare.demo.data import print_logins

    def ready() -> None:
        if _wait_for_web(port, procs):
            print_logins(base_url=env["PUBLIC_BASE_URL"], language=settings.LANGUAGE_CODE)

    return _supervise(procs, ready)


def _wait_for_web(port: str, procs: list[subprocess.Popen], timeout: float = 60) -> bool:
    """Wait until /health/ answers (any status), so the URLs printed next already work."""
    import urllib.error
    import urllib.request

    url = f"http://127.0.0.1:{port}/health/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(p.poll() is None for p in procs):
        try:
            with urllib.request.urlopen(url, timeout=5):
                return True
        except urllib.error.HTTPError:
            return True  # it answered: 503 means a check is degraded, and /health/ says which
        except OSError:
            time.sleep(0.3)
    return False


def _supervise(procs: list[subprocess.Popen], ready=None) -> int:
    def kill(*_args) -> None:
        for p in procs:
            if p.poll() is None:
                p.kill()

    def stop(*_args) -> None:
        # A second Ctrl-C while they shut down kills them instead of aborting us; a repeated
        # SIGTERM (make and `timeout` both forward one) waits for the graceful stop.
        signal.signal(signal.SIGINT, kill)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        if ready:
            ready()
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        print("ispcare: a process stopped; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nispcare: stopping web and worker…")
        return 0
    finally:
        stop()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "help"
    if command == "demo":
        return demo()
    if command == "serve":
        port = argv[argv.index("--port") + 1] if "--port" in argv else None
        host = argv[argv.index("--host") + 1] if "--host" in argv else None
        return serve(port, host)
    if command == "worker":
        _django_setup()
        _manage("run_huey", *argv[1:])
        return 0
    _django_setup()
    _manage(*argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
