"""Staff pages: the outbox (what was sent, what failed and why) and bulk-send progress."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.errors import DomainError

from . import selectors, services
from .choices import BulkStatus, Channel, Status
from .models import BulkSend, Notification

PAGE_SIZE = 50


@capability_required("notifications.view")
def outbox(request):
    """Staff: messages to customers, newest first, filtered by status and channel."""
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    channel = request.GET.get("channel", "")
    channel = channel if channel in (Channel.EMAIL, Channel.WHATSAPP) else ""
    q = request.GET.get("q", "").strip()[:100]
    before = _int_param(request, "before")
    bulk = BulkSend.objects.filter(pk=_int_param(request, "bulk") or 0).first()
    bulk_id = bulk.pk if bulk else None
    rows = list(
        selectors.outbox_rows(
            status=status, channel=channel, q=q, bulk_id=bulk_id, before_id=before
        )[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    counts = selectors.outbox_counts(bulk_id=bulk_id)
    keep = [(k, v) for k, v in (("channel", channel), ("bulk", bulk_id)) if v]
    return render(
        request,
        "notifications/staff/outbox.html",
        {
            "rows": rows,
            "next_before": rows[-1].pk if more else None,
            "status": status,
            "channel": channel,
            "q": q,
            "keep": keep,
            "bulk": bulk,
            "tabs": [
                {"value": "", "label": _("All"), "count": sum(counts.values()), "on": not status},
                *(
                    {
                        "value": s.value,
                        "label": s.label,
                        "count": counts[s.value],
                        "on": s == status,
                    }
                    for s in Status
                    # Empty states only clutter a phone; queued and failed are always watched.
                    if counts[s.value] or s == status or s in (Status.QUEUED, Status.FAILED)
                ),
            ],
            "channels": [
                (Channel.EMAIL, Channel.EMAIL.label),
                (Channel.WHATSAPP, Channel.WHATSAPP.label),
            ],
            "can_manage": has_capability(request.user, "notifications.manage"),
        },
    )


def _int_param(request, name: str) -> int | None:
    """A positive integer query parameter, or None for anything else."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 0 < len(value) < 19 else None


@capability_required("notifications.view")
def outbox_detail(request, pk: int):
    row = get_object_or_404(Notification.objects.select_related("bulk"), pk=pk)
    return render(
        request,
        "notifications/staff/outbox_detail.html",
        {"row": row, "can_manage": has_capability(request.user, "notifications.manage")},
    )


@require_POST
@capability_required("notifications.manage")
def outbox_retry(request, pk: int):
    get_object_or_404(Notification, pk=pk)
    try:
        services.notification_retry(notification_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The message is queued again."))
    return redirect("notifications:outbox_detail", pk)


@capability_required("notifications.view")
def bulk_list(request):
    bulks = list(BulkSend.objects.select_related("created_by")[:50])
    return render(
        request,
        "notifications/staff/bulk_list.html",
        {"rows": [(b, selectors.bulk_progress(b)) for b in bulks]},
    )


def _bulk_context(request, bulk: BulkSend) -> dict:
    return {
        "bulk": bulk,
        "progress": selectors.bulk_progress(bulk),
        "running": bulk.status in (BulkStatus.RUNNING, BulkStatus.PAUSED),
        "can_manage": has_capability(request.user, "notifications.manage"),
    }


@capability_required("notifications.view")
def bulk_detail(request, pk: int):
    bulk = get_object_or_404(BulkSend.objects.select_related("created_by"), pk=pk)
    return render(request, "notifications/staff/bulk_detail.html", _bulk_context(request, bulk))


@capability_required("notifications.view")
def bulk_progress(request, pk: int):
    """The progress panel alone: polled by htmx every two seconds while the send runs."""
    bulk = get_object_or_404(BulkSend, pk=pk)
    return render(request, "notifications/staff/_bulk_progress.html", _bulk_context(request, bulk))


def _bulk_action(request, pk: int, action, done_message: str):
    get_object_or_404(BulkSend, pk=pk)
    try:
        action(bulk_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done_message)
    return redirect("notifications:bulk_detail", pk)


@require_POST
@capability_required("notifications.manage")
def bulk_pause(request, pk: int):
    return _bulk_action(
        request, pk, services.bulk_send_pause, _("Paused: nothing more is sent until you resume.")
    )


@require_POST
@capability_required("notifications.manage")
def bulk_resume(request, pk: int):
    return _bulk_action(request, pk, services.bulk_send_resume, _("Resumed."))


@require_POST
@capability_required("notifications.manage")
def bulk_cancel(request, pk: int):
    return _bulk_action(
        request,
        pk,
        services.bulk_send_cancel,
        _("Cancelled: messages not yet sent will not go out."),
    )
