"""Personal data in the closing (decision 0019): the customer's words about why they left,
the bank account the refund went to, and notes that may repeat their details. The
requests themselves (numbers, dates, statuses, amounts, conditions) stay: they are the
record behind a refund and a final invoice."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ispcare.common.privacy import (
    REDACTED,
    ErasureBatch,
    Subject,
    add_counts,
    count_by,
    rows,
    section_register,
)

from .models import Closure, RetentionOffer, ReturnItem, Settlement

_BANK = ("refund_bank", "refund_account_number", "refund_account_name")


def export(subject: Subject) -> dict[str, Any]:
    closures = Closure.objects.filter(customer_id=subject.customer_id).order_by("created_at")
    settlements = {
        s.closure_id: s for s in Settlement.objects.filter(closure__customer_id=subject.customer_id)
    }
    out = []
    for closure in closures:
        item = rows(
            Closure.objects.filter(pk=closure.pk),
            "number",
            "status",
            "end_date",
            "reason",
            "reason_text",
            "channel",
            "return_method",
            *_BANK,
            "created_at",
            "ended_at",
            "closed_at",
            "cancelled_at",
            "written_off",
        )[0]
        item["equipment_returned"] = rows(
            ReturnItem.objects.filter(closure=closure).order_by("checked_in_at"),
            "condition",
            "charge",
            "via",
            "checked_in_at",
            serial="equipment__serial",
        )
        item["offers"] = rows(
            RetentionOffer.objects.filter(closure=closure).order_by("made_at"),
            "text",
            "credit",
            "outcome",
            "made_at",
            "answered_at",
        )
        s = settlements.get(closure.pk)
        if s is not None:
            item["settlement"] = {
                f: getattr(s, f)
                for f in (
                    "deposit_held",
                    "service_charge",
                    "equipment_charges",
                    "owed",
                    "deposit_applied",
                    "credit",
                    "refund_due",
                    "balance_left",
                )
            }
        out.append(item)
    return {"terminations": out}


def anonymise(batch: ErasureBatch) -> dict[str, dict[int, int]]:
    ids = batch.customer_ids
    counts: dict[str, dict[int, int]] = {}
    closures = Closure.objects.filter(customer_id__in=ids)
    # The refund account is theirs whole: it goes, not just their name in it.
    with_bank = closures.exclude(refund_account_number="", refund_bank="", refund_account_name="")
    add_counts(counts, "closures.Closure.refund", count_by(with_bank, "customer_id"))
    with_bank.update(**dict.fromkeys(("refund_bank", "refund_account_name"), REDACTED))
    closures.exclude(refund_account_number="").update(refund_account_number="")
    add_counts(
        counts,
        "closures.Closure",
        batch.scrub_rows(
            closures,
            ["write_off_reason"],
            owner="customer_id",
            redact=["reason_text", "cancel_reason"],
        ),
    )
    add_counts(
        counts,
        "closures.ReturnItem",
        batch.scrub_rows(
            ReturnItem.objects.filter(closure__customer_id__in=ids),
            ["note"],
            owner="closure__customer_id",
        ),
    )
    add_counts(
        counts,
        "closures.RetentionOffer",
        batch.scrub_rows(
            RetentionOffer.objects.filter(closure__customer_id__in=ids),
            ["text"],
            owner="closure__customer_id",
        ),
    )
    return {table: c for table, c in counts.items() if c}


def register() -> None:
    section_register(
        name="closures",
        label=_("Termination requests"),
        order=60,
        exporter=export,
        anonymiser=anonymise,
        columns={
            "closures.Closure": (
                "reason_text",
                "cancel_reason",
                "write_off_reason",
                *_BANK,
            ),
            "closures.ReturnItem": ("note",),
            "closures.RetentionOffer": ("text",),
        },
    )
