#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) that accepts and counts messages, in its own process.

python bench/smtp_sink.py PORT     prints "ready", then the count when stopped (SIGTERM)
"""

from __future__ import annotations

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self) -> None:
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        return "250 2.0.0 Ok: queued"


def main() -> None:
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    controller.stop()
    print(counter.n, flush=True)


if __name__ == "__main__":
    main()
