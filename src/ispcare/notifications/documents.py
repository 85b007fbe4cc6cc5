"""Documents a message may carry (an email attachment): named by a reference "kind:id"
stored on the outbox row and rendered when the email is built, by whichever app
registered the kind (notifications knows no customers; closures registers the
settlement statement). Rendered at send time, so a retry sends the current document."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


Renderer = Callable[[int], Document | None]
_KINDS: dict[str, Renderer] = {}


def document_register(kind: str, renderer: Renderer) -> None:
    """`renderer(object_id)` returns the document, or None when there is none (any more)."""
    _KINDS[kind] = renderer


def document_ref(kind: str, object_id: int) -> str:
    if kind not in _KINDS:
        raise KeyError(f"unknown document kind {kind!r}")
    return f"{kind}:{object_id}"


def document_render(ref: str) -> Document | None:
    """The document `ref` names; None (and a log line) if it cannot be made: the message
    still goes out, its text says where the customer finds the document."""
    kind, _, raw = ref.partition(":")
    renderer = _KINDS.get(kind)
    if renderer is None or not raw.isdigit():
        log.warning("unknown document %r: sent without it", ref)
        return None
    try:
        return renderer(int(raw))
    except Exception:  # a broken document must not hold the message back
        log.exception("document %r could not be rendered: sent without it", ref)
        return None
