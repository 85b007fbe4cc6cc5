"""Personal data in notifications: every message to the customer (decision 0019).

The outbox knows nothing of customers: the batch says who they are to it (their portal
account, the references the callers wrote, "customer:42" / "application:17", and their
addresses). A row is theirs by any of these.

Anonymised: the recipient's name and address become the pseudonym; the rendered subject
and body (greeting by name, amounts with the customer's details, links) are REDACTED and
the WhatsApp template parameters emptied; the notes and errors staff read keep their
wording with the customer's values scrubbed out. Channel, template, status, failure code
and every time stay, so delivery statistics still add up. Messages still waiting to go
out are cancelled. The WhatsApp 24-hour-window row of their number is deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.common.bulk import rows_update
from ispcare.common.privacy import (
    REDACTED,
    ErasureBatch,
    Subject,
    phone_variants,
    rows,
    section_register,
)

from .choices import DUE_STATUSES, Status
from .models import Notification, WhatsAppContact

CANCELLABLE = [*DUE_STATUSES, Status.HELD]


def _of(subject: Subject) -> Q:
    q = Q(recipient_ref__in=subject.refs) if subject.refs else Q(pk__in=[])
    return (q | Q(user_id=subject.user_id)) if subject.user_id else q


def export(subject: Subject) -> dict[str, Any]:
    return {
        "messages": rows(
            Notification.objects.filter(_of(subject)).order_by("pk"),
            "created_at",
            "channel",
            "to",
            "template_key",
            "subject",
            "body",
            "status",
            "sent_at",
            "delivered_at",
            "read_at",
        )
    }


def _anonymise_rows(batch: ErasureBatch, match: Callable[[Subject], Q]) -> dict[int, int]:
    # One read of the batch's rows, whose each is found before the address it was found
    # by goes; then writes by primary key (a statement per column over the whole batch
    # would evaluate the per-customer CASE on every row again).
    found = batch.owned(Notification.objects.all(), match, "status", "to", "note", "last_error")
    counts: dict[int, int] = {}
    writes: list[Notification] = []
    due: list[int] = []
    for subject, row in found:
        counts[subject.customer_id] = counts.get(subject.customer_id, 0) + 1
        if row["status"] in CANCELLABLE:
            due.append(row["pk"])
        writes.append(
            Notification(
                pk=row["pk"],
                recipient_name=subject.pseudonym,
                to=subject.pseudonym if row["to"] else "",
                subject=REDACTED,
                body=REDACTED,
                wa_params=[],
                # The staff-facing notes keep their wording: they repeat the address.
                note=subject.scrub(row["note"]),
                last_error=subject.scrub(row["last_error"]),
            )
        )
    # Still waiting to go out: cancelled (the status checked again: a worker may have
    # sent it since the read).
    for start in range(0, len(due), 1000):
        Notification.objects.filter(
            pk__in=due[start : start + 1000], status__in=CANCELLABLE
        ).update(status=Status.CANCELLED, next_attempt_at=None)
    rows_update(
        writes, ["recipient_name", "to", "subject", "body", "wa_params", "note", "last_error"]
    )
    return counts


def anonymise_refs(batch: ErasureBatch, refs: Mapping[int, Iterable[str]]) -> dict[int, int]:
    """For the apps above: messages they sent under their own references (a visitor's
    ticket, "ticket:7") to someone who is now being anonymised. `refs`: customer id ->
    references."""
    wanted = {cid: [r for r in rs if r] for cid, rs in refs.items()}
    wanted = {cid: rs for cid, rs in wanted.items() if rs}
    if not wanted:
        return {}

    def match(subject: Subject) -> Q:
        rs = wanted.get(subject.customer_id)
        return Q(recipient_ref__in=rs) if rs else Q()

    return _anonymise_rows(batch, match)


def anonymise(batch: ErasureBatch) -> dict[str, dict[int, int]]:
    counts = _anonymise_rows(batch, batch.match(user="user_id", ref="recipient_ref", address="to"))
    result = {"notifications.Notification": counts}
    wa_ids = {
        v.lstrip("+"): s.customer_id
        for s in batch.subjects.values()
        for p in s.phones
        for v in phone_variants(p)
    }
    contacts = WhatsAppContact.objects.filter(wa_id__in=list(wa_ids))
    gone: dict[int, int] = {}
    for wa_id in contacts.values_list("wa_id", flat=True):
        gone[wa_ids[wa_id]] = gone.get(wa_ids[wa_id], 0) + 1
    if gone:
        contacts.delete()
        result["notifications.WhatsAppContact"] = gone
    return result


def register() -> None:
    section_register(
        name="notifications",
        label=_("Messages"),
        order=20,
        exporter=export,
        anonymiser=anonymise,
        columns={
            "notifications.Notification": (
                "recipient_name",
                "to",
                "subject",
                "body",
                "wa_params",
                "note",
                "last_error",
            ),
            "notifications.WhatsAppContact": ("deleted",),
        },
    )
