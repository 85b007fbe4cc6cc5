"""Delivery channels: each turns claimed outbox rows into sends and reports an outcome per row."""

from __future__ import annotations

from .base import ChannelAdapter, Outcome


def adapter_for(channel: str) -> ChannelAdapter:
    from ..choices import Channel

    if channel == Channel.EMAIL:
        from .email import EmailAdapter

        return EmailAdapter()
    if channel == Channel.WHATSAPP:
        from .whatsapp import WhatsAppAdapter

        return WhatsAppAdapter()
    raise ValueError(f"channel {channel!r} has no delivery adapter (in-app rows need none)")


__all__ = ["ChannelAdapter", "Outcome", "adapter_for"]
