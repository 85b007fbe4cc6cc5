"""Which rows one message makes for one recipient: pure logic, no queries.

A message is one row per recipient: on the first usable channel of their preference,
or in the portal only. That row carries the portal account (`user_id`), so the portal
inbox shows every message once, whichever way it travelled. Channels skipped on the way
leave their reason in the row's note; an invalid address also leaves a failed row
(without the account) that staff see in the outbox.

Rows are plain dicts of column values: a bulk send of 100,000 writes them with COPY
without building a model instance for each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .addresses import AddressProblem, address_for
from .choices import EXTERNAL_CHANNELS, Channel, Failure, Status
from .rendering import Rendered


@dataclass(frozen=True)
class Recipient:
    name: str = ""
    email: str = ""
    phone: str = ""
    user_id: int | None = None
    language: str = "id"
    # External channels in order of preference: the first usable one is used.
    channels: tuple[str, ...] = (Channel.WHATSAPP, Channel.EMAIL)
    ref: str = ""  # the caller's reference, e.g. "customer:42"
    context: dict[str, Any] = field(default_factory=dict)  # merged over the message's


def _staff(*parts: Any) -> str:
    """Reasons are stored for staff in the ISP's language, whoever triggered the message
    (parts are lazy labels, made text here)."""
    with translation.override(settings.LANGUAGE_CODE):
        return "".join(str(p) for p in parts)


def _problem_for_staff(channel: str, recipient: Recipient, first: AddressProblem) -> AddressProblem:
    """The same address problem, worded in the staff's language (only on this rare path,
    so the common path never switches languages)."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            address_for(channel, email=recipient.email, phone=recipient.phone)
        except AddressProblem as problem:
            return problem
    return first


class Planner:
    def __init__(self, *, now: dt.datetime, open_windows: set[str], whatsapp_enabled: bool):
        self.now = now
        self.open_windows = open_windows
        self.wa_enabled = whatsapp_enabled

    def rows(
        self,
        recipient: Recipient,
        rendered: Rendered,
        *,
        key: str,
        template: str,
        inapp: bool,
        bulk_id: int | None,
        wa_params: Callable[[], list[str]],
    ) -> list[dict[str, Any]]:
        def row(channel: str, to: str = "", user_id: int | None = None, **extra) -> dict:
            return {
                "user_id": user_id,
                "recipient_name": recipient.name[:150],
                "recipient_ref": recipient.ref[:64],
                "channel": channel,
                "to": to,
                "template_key": template,
                "language": recipient.language,
                "subject": rendered.subject,
                "body": rendered.body,
                "idempotency_key": f"{key}:{channel}" if key else None,
                "bulk_id": bulk_id,
                "next_attempt_at": self.now,
                **extra,
            }

        out: list[dict] = []
        skipped: list[str] = []
        chosen = None
        for channel in recipient.channels:
            if channel not in EXTERNAL_CHANNELS:
                continue
            if channel == Channel.WHATSAPP and not self.wa_enabled:
                skipped.append(_staff(Channel.WHATSAPP.label, ": ", Failure.NOT_CONFIGURED.label))
                continue
            try:
                to = address_for(channel, email=recipient.email, phone=recipient.phone)
            except AddressProblem as raised:
                problem = _problem_for_staff(channel, recipient, raised)
                skipped.append(_staff(Channel(channel).label, ": ", problem.reason))
                if problem.failure == Failure.INVALID_ADDRESS:
                    given = recipient.email if channel == Channel.EMAIL else recipient.phone
                    out.append(
                        row(
                            channel,
                            given[:254],
                            status=Status.FAILED,
                            failure=problem.failure,
                            last_error=problem.reason,
                        )
                    )
                continue
            if channel == Channel.WHATSAPP:
                if not rendered.wa_template and to not in self.open_windows:
                    skipped.append(
                        _staff(Channel.WHATSAPP.label, ": ", Failure.OUTSIDE_WINDOW.label)
                    )
                    continue
                chosen = row(
                    channel,
                    to,
                    recipient.user_id,
                    wa_template=rendered.wa_template,
                    wa_params=wa_params() if rendered.wa_template else [],
                )
            else:
                chosen = row(channel, to, recipient.user_id)
            break
        if chosen is not None:
            if skipped:
                chosen["note"] = _staff(_("Fallback"), " — ", "; ".join(skipped))[:300]
            out.append(chosen)
            return out
        if skipped and not out:
            # Nothing usable and nothing invalid to show for it: one row says why.
            first_channel = next(c for c in recipient.channels if c in EXTERNAL_CHANNELS)
            out.append(
                row(
                    first_channel,
                    status=Status.FAILED,
                    failure=Failure.NO_ADDRESS,
                    last_error="; ".join(skipped)[:2000],
                )
            )
        if inapp and recipient.user_id:
            note = ""
            if skipped:
                note = _staff(_("Portal only"), " — ", "; ".join(skipped))[:300]
            out.append(
                row(
                    Channel.INAPP,
                    "",
                    recipient.user_id,
                    status=Status.SENT,
                    sent_at=self.now,
                    note=note,
                )
            )
        return out
