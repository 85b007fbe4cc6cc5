"""Queue messages in the caller's transaction; the worker (outbox.py) delivers them.

Callers pass plain data: a Recipient (name, addresses, language, channels in order of
preference, portal account) and a template key with a context of plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ispcare.common.bulk import rows_insert
from ispcare.common.effects import on_commit
from ispcare.common.errors import Conflict, NotFound, ValidationFailed

from . import catalog, sandbox
from .choices import EXTERNAL_CHANNELS, BulkStatus, Channel, Failure, Status
from .models import BulkSend, Notification, TemplateOverride, WhatsAppContact
from .planning import Planner, Recipient
from .rendering import Renderer

WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Message:
    template: str
    recipient: Recipient
    context: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str = ""
    inapp: bool = True  # also in the portal inbox when the recipient has an account
    attachment: str = ""  # a document reference (notifications.documents), sent by email


def whatsapp_enabled() -> bool:
    return bool(settings.WHATSAPP["access_token"] and settings.WHATSAPP["phone_number_id"])


def _wa_digits(phone: str) -> str:
    """Cheap +62 digits for the window lookup (the full check runs in address_for)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "62" + digits[1:] if digits.startswith("0") else digits


def _open_windows(template: str, phones: Iterable[str]) -> set[str]:
    """Numbers that wrote to us in the last 24 hours, when free text could be needed:
    only for templates without an approved WhatsApp template (one query for all)."""
    if catalog.spec_for(template).whatsapp:
        return set()
    digits = {_wa_digits(p) for p in phones if p}
    if not digits:
        return set()
    since = timezone.now() - WINDOW
    return set(
        WhatsAppContact.objects.filter(wa_id__in=digits, last_inbound_at__gte=since).values_list(
            "wa_id", flat=True
        )
    )


def _kick(channels: set[str]) -> None:
    from .tasks import outbox_drain

    for channel in sorted(channels & set(EXTERNAL_CHANNELS)):
        on_commit(outbox_drain, channel)


def message_send(*, message: Message) -> list[Notification]:
    """Queue `message` in the current transaction; a repeated idempotency key adds nothing."""
    recipient = message.recipient
    key = message.idempotency_key
    if (
        key
        and Notification.objects.filter(
            idempotency_key__in=[f"{key}:{c}" for c in Channel.values]
        ).exists()
    ):
        return []  # whichever channel it went out on, it went out
    context = sandbox.plain({**message.context, **recipient.context})
    renderer = Renderer(message.template)
    rendered = renderer.render(context, recipient.language)
    planner = Planner(
        now=timezone.now(),
        open_windows=_open_windows(message.template, [recipient.phone]),
        whatsapp_enabled=whatsapp_enabled(),
    )
    rows = [
        Notification(**row)
        for row in planner.rows(
            recipient,
            rendered,
            key=key,
            template=message.template,
            inapp=message.inapp,
            bulk_id=None,
            wa_params=lambda: renderer.whatsapp_params(context, recipient.language),
        )
    ]
    if message.attachment:
        for row in rows:
            if row.channel == Channel.EMAIL:
                row.attachment = message.attachment
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin must not break the caller
            created = Notification.objects.bulk_create(rows)
    except IntegrityError:  # the same key was queued meanwhile: it goes out once
        return []
    _kick({r.channel for r in rows if r.status == Status.QUEUED})
    return created


def bulk_send_create(
    *,
    title: str,
    template: str,
    recipients: Iterable[Recipient],
    context: dict[str, Any] | None = None,
    audience: str = "",
    by=None,
    inapp: bool = True,
    batch_size: int = 5000,
) -> BulkSend:
    """One announcement to many: rendered per recipient, written in bulk, sent in background."""
    recipients = list(recipients)
    base = dict(context or {})
    renderer = Renderer(template)
    now = timezone.now()
    with transaction.atomic():
        bulk = BulkSend.objects.create(
            title=title[:200], template_key=template, audience=audience[:200], created_by=by
        )
        planner = Planner(
            now=now,
            open_windows=_open_windows(template, (r.phone for r in recipients)),
            whatsapp_enabled=whatsapp_enabled(),
        )
        rows: list[dict[str, Any]] = []
        keys: set[str] = set()
        for recipient in recipients:
            key = f"bulk:{bulk.pk}:{recipient.ref or recipient.email or recipient.phone}"
            if key in keys:  # listed twice: one message
                continue
            keys.add(key)
            context_ = sandbox.plain({**base, **recipient.context})
            rows += planner.rows(
                recipient,
                renderer.render(context_, recipient.language),
                key=key,
                template=template,
                inapp=inapp,
                bulk_id=bulk.pk,
                wa_params=partial(renderer.whatsapp_params, context_, recipient.language),
            )
            if len(rows) >= batch_size:
                rows_insert(Notification, rows)
                rows = []
        rows_insert(Notification, rows)
        bulk.total = len(keys)
        bulk.save(update_fields=["total"])
    _kick({Channel.EMAIL, Channel.WHATSAPP})
    return bulk


def _bulk_locked(bulk_id: int) -> BulkSend:
    bulk = BulkSend.objects.select_for_update().filter(pk=bulk_id).first()
    if bulk is None:
        raise NotFound(_("No such bulk send."))
    return bulk


@transaction.atomic
def bulk_send_pause(*, bulk_id: int) -> int:
    """Hold its queued rows; the ones already being sent finish. Returns how many were held."""
    bulk = _bulk_locked(bulk_id)
    if bulk.status != BulkStatus.RUNNING:
        raise Conflict(
            _("Only a bulk send that is sending can be paused."), code="bulk_not_running"
        )
    bulk.status = BulkStatus.PAUSED
    bulk.save(update_fields=["status"])
    return bulk.notifications.filter(status=Status.QUEUED).update(status=Status.HELD)


@transaction.atomic
def bulk_send_resume(*, bulk_id: int) -> int:
    bulk = _bulk_locked(bulk_id)
    if bulk.status != BulkStatus.PAUSED:
        raise Conflict(_("Only a paused bulk send can be resumed."), code="bulk_not_paused")
    bulk.status = BulkStatus.RUNNING
    bulk.save(update_fields=["status"])
    n = bulk.notifications.filter(status=Status.HELD).update(
        status=Status.QUEUED, next_attempt_at=timezone.now()
    )
    _kick({Channel.EMAIL, Channel.WHATSAPP})
    return n


@transaction.atomic
def bulk_send_cancel(*, bulk_id: int) -> int:
    bulk = _bulk_locked(bulk_id)
    if bulk.status in (BulkStatus.DONE, BulkStatus.CANCELLED):
        raise Conflict(_("This bulk send has already ended."), code="bulk_ended")
    bulk.status, bulk.finished_at = BulkStatus.CANCELLED, timezone.now()
    bulk.save(update_fields=["status", "finished_at"])
    return bulk.notifications.filter(status__in=[Status.QUEUED, Status.HELD]).update(
        status=Status.CANCELLED, next_attempt_at=None
    )


@transaction.atomic
def notification_retry(*, notification_id: int) -> Notification:
    """Staff send a failed message again (after fixing the address or the channel)."""
    row = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if row is None:
        raise NotFound(_("No such message."))
    if row.status != Status.FAILED or row.channel == Channel.INAPP:
        raise Conflict(_("Only a failed message can be sent again."), code="not_failed")
    if row.failure == Failure.INVALID_ADDRESS:
        raise Conflict(
            _("The address is invalid: correct it and send a new message."),
            code="invalid_address",
        )
    row.status, row.failure, row.next_attempt_at = Status.QUEUED, "", timezone.now()
    row.save(update_fields=["status", "failure", "next_attempt_at"])
    _kick({row.channel})
    return row


def inbox_mark_read(*, user_id: int, ids: list[int]) -> int:
    """Mark the messages `ids` of the user read (the ones the portal has shown them).

    A portal-only message becomes READ; one that went by email or WhatsApp keeps its
    delivery status and only gains read_at."""
    return Notification.objects.filter(user_id=user_id, pk__in=ids, read_at__isnull=True).update(
        read_at=timezone.now(),
        status=Case(When(channel=Channel.INAPP, then=Value(Status.READ)), default=F("status")),
    )


def template_preview(*, key: str, language: str, subject: str, body: str) -> tuple[str, str]:
    """(subject, body) rendered against the template's sample; ValidationFailed per field."""
    spec = catalog.spec_for(key)
    context = sandbox.plain(spec.sample)
    out: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, source in (("subject", subject), ("body", body)):
        try:
            out[name] = sandbox.render(source, context, language=language, autoescape=False)
        except sandbox.TemplateSyntaxError as exc:
            errors[name] = [_("Template error: %(error)s") % {"error": exc}]
        except Exception as exc:  # a filter given bad input: still the author's to fix
            errors[name] = [
                _("Template error: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
            ]
    if not subject.strip():
        errors.setdefault("subject", []).append(_("A subject is required."))
    if not body.strip():
        errors.setdefault("body", []).append(_("A text is required."))
    if errors:
        raise ValidationFailed(_("The template cannot be used yet."), fields=errors)
    return " ".join(out["subject"].split()), out["body"].strip()


@transaction.atomic
def template_save(*, key: str, language: str, subject: str, body: str, by) -> TemplateOverride:
    """Store staff's text for (key, language) after checking it renders in the sandbox."""
    if language not in catalog.LANGUAGES:
        raise ValidationFailed(
            _("Unknown language."), fields={"language": [_("Unknown language.")]}
        )
    template_preview(key=key, language=language, subject=subject, body=body)
    row, _created = TemplateOverride.objects.update_or_create(
        key=key,
        language=language,
        defaults={"subject": subject.strip()[:200], "body": body.strip(), "updated_by": by},
    )
    return row


def template_reset(*, key: str, language: str) -> int:
    """Back to the shipped text."""
    catalog.spec_for(key)
    return TemplateOverride.objects.filter(key=key, language=language).delete()[0]
