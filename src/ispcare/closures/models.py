"""Termination requests and what closing them takes: returned equipment, the equipment
price list, the frozen settlement, and win-back offers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.common.models import TimeStamped
from ispcare.customers.choices import EquipmentCondition, EquipmentKind
from ispcare.customers.models import Customer, Equipment, Subscription

from .choices import ClosureReason, ClosureStatus, OfferOutcome, RequestChannel, ReturnMethod

_User = settings.AUTH_USER_MODEL
# A request's number, e.g. TRM/2026/00042 (the sequence restarts each year).
REQUEST_NUMBER_FORMAT = "TRM/{year}/{seq:05d}"


class Closure(TimeStamped):
    """A customer's request to stop a subscription, from the request to the closed file."""

    number = models.CharField(_("request number"), max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="closures")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="closures"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ClosureStatus.choices,
        default=ClosureStatus.REQUESTED,
        db_index=True,
    )
    end_date = models.DateField(_("end date"))
    reason = models.CharField(_("reason"), max_length=16, choices=ClosureReason.choices)
    reason_text = models.TextField(_("in your words"), blank=True)
    channel = models.CharField(_("requested via"), max_length=8, choices=RequestChannel.choices)
    requested_by = models.ForeignKey(_User, null=True, on_delete=models.PROTECT, related_name="+")
    return_method = models.CharField(
        _("equipment return"), max_length=8, choices=ReturnMethod.choices
    )
    # Where the deposit refund goes (bank transfer); blank means cash at the office.
    refund_bank = models.CharField(_("bank"), max_length=60, blank=True)
    refund_account_number = models.CharField(_("account number"), max_length=30, blank=True)
    refund_account_name = models.CharField(_("account holder"), max_length=150, blank=True)

    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    processed_by = models.ForeignKey(
        _User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("service ended"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)
    written_off = models.PositiveIntegerField(_("written off (Rp)"), default=0)
    write_off_reason = models.CharField(_("why written off"), max_length=200, blank=True)
    write_off_by = models.ForeignKey(
        _User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["end_date", "id"]
        verbose_name = _("termination request")
        verbose_name_plural = _("termination requests")
        indexes = [models.Index(fields=["status", "end_date"])]
        constraints = [
            # A second open request for the same subscription is refused, races included.
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(status__in=["requested", "in_progress", "ended", "settled"]),
                name="uniq_open_closure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.number}"

    @property
    def is_open(self) -> bool:
        return self.status in (
            ClosureStatus.REQUESTED,
            ClosureStatus.IN_PROGRESS,
            ClosureStatus.ENDED,
            ClosureStatus.SETTLED,
        )


class EquipmentPrice(models.Model):
    """What a customer pays for a device of each type that comes back damaged or not at
    all (the replacement cost the ISP bears)."""

    kind = models.CharField(_("type"), max_length=16, choices=EquipmentKind.choices, unique=True)
    damaged_charge = models.PositiveIntegerField(_("charge if damaged (Rp)"))
    missing_charge = models.PositiveIntegerField(_("charge if missing (Rp)"))

    class Meta:
        ordering = ["kind"]
        verbose_name = _("equipment price")
        verbose_name_plural = _("equipment prices")

    def __str__(self) -> str:
        return self.get_kind_display()


class ReturnItem(models.Model):
    """One device checked in (or recorded missing) at closing, with what it costs."""

    closure = models.ForeignKey(Closure, on_delete=models.CASCADE, related_name="items")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(_("condition"), max_length=8, choices=EquipmentCondition.choices)
    charge = models.PositiveIntegerField(_("charge (Rp)"), default=0)
    via = models.CharField(_("returned by"), max_length=8, choices=ReturnMethod.choices)
    work_order = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    checked_in_by = models.ForeignKey(_User, null=True, on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(_("checked in"))

    class Meta:
        ordering = ["checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["closure", "equipment"], name="uniq_return_item")
        ]

    def __str__(self) -> str:
        return f"{self.closure_id} {self.equipment_id} {self.condition}"


class Settlement(models.Model):
    """The closing's money, frozen when it is computed: the statement the customer keeps."""

    closure = models.OneToOneField(Closure, on_delete=models.CASCADE, related_name="settlement")
    deposit_held = models.PositiveIntegerField(_("deposit held (Rp)"))
    final_invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_charge = models.IntegerField(_("final invoice (Rp)"), default=0)
    equipment_charges = models.PositiveIntegerField(_("equipment charges (Rp)"), default=0)
    owed = models.PositiveIntegerField(_("owed before the deposit (Rp)"), default=0)
    deposit_applied = models.PositiveIntegerField(_("deposit applied (Rp)"), default=0)
    credit = models.PositiveIntegerField(_("unused credit (Rp)"), default=0)
    refund_due = models.PositiveIntegerField(_("refund due (Rp)"), default=0)
    balance_left = models.PositiveIntegerField(_("still owed (Rp)"), default=0)
    refund = models.OneToOneField(
        "billing.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(_User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")

    def __str__(self) -> str:
        return f"{self.closure_id}: refund {self.refund_due}"


class RetentionOffer(models.Model):
    """A win-back offer to a customer who asked to leave; accepting it withdraws the request."""

    closure = models.ForeignKey(Closure, on_delete=models.CASCADE, related_name="offers")
    text = models.TextField(_("offer"))
    # A credit on the next invoice that comes with the offer (0: none).
    credit = models.PositiveIntegerField(_("credit (Rp)"), default=0)
    outcome = models.CharField(
        _("answer"), max_length=8, choices=OfferOutcome.choices, default=OfferOutcome.PENDING
    )
    made_by = models.ForeignKey(_User, null=True, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(_("offered"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["made_at", "id"]
        verbose_name = _("retention offer")
        verbose_name_plural = _("retention offers")

    def __str__(self) -> str:
        return f"{self.closure_id}: {self.outcome}"
