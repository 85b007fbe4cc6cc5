"""Side effects after commit: the one place that defers work until the data is durable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction


def on_commit(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Run `func(*args, **kwargs)` once the current transaction commits (now if none).

    Used to enqueue Huey tasks and send notifications: a rolled-back change never
    triggers them, and the worker always finds the rows it is told about.
    """

    def run() -> None:
        func(*args, **kwargs)

    run.__qualname__ = getattr(func, "__qualname__", repr(func))  # named in robust-mode logs
    transaction.on_commit(run, robust=True)
