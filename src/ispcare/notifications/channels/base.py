"""What a channel adapter promises the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..models import Notification


@dataclass(frozen=True)
class Outcome:
    ok: bool
    provider_id: str = ""
    error: str = ""
    failure: str = ""  # a choices.Failure value
    permanent: bool = False  # never retry (invalid address, rejected by the provider)


class ChannelAdapter(Protocol):
    def send(self, rows: list[Notification]) -> list[Outcome | None]:
        """One outcome per row, in order. None: not attempted (the channel went down
        mid-batch, or a rate limit told us to stop); the row waits without an attempt
        counted against it."""
        ...

    def close(self) -> None:
        """Release connections once the drain is over."""
        ...
