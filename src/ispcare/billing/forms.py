"""Staff forms of billing: recording a payment (with its proof of transfer), voiding an
invoice, a credit or charge for the next invoice, a plan's next price; the rupiah field
shared with field work. Each only checks the shape of the input: the services decide."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import ValidationFailed

from .choices import MANUAL_METHODS, AdjustmentKind, PaymentMethod
from .proofs import proof_check

_RUPIAH_RE = re.compile(r"^(rp\.?)?\s*[\d.,\s]+$", re.IGNORECASE)


class RupiahField(forms.CharField):
    """Whole rupiah as people write it: 250000, 250.000, Rp 250.000 (dots group thousands).

    Django's IntegerField would read "250.000" as 250, so this field strips the grouping
    and refuses anything else.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not _RUPIAH_RE.match(value):
            raise forms.ValidationError(
                _("Enter the amount in whole rupiah, e.g. 250000."), code="rupiah"
            )
        digits = re.sub(r"\D", "", value)
        if not digits:
            raise forms.ValidationError(
                _("Enter the amount in whole rupiah, e.g. 250000."), code="rupiah"
            )
        return int(digits)

    def prepare_value(self, value):
        return "" if value is None else str(value)


class PaymentForm(forms.Form):
    """Money staff received by hand. The proof of transfer is optional for every method:
    finance usually confirms a transfer on the bank statement, where there is no picture
    to upload; when the customer sent one, it is kept with the payment."""

    amount = RupiahField(label=_("Amount received (Rp)"))
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(m.value, m.label) for m in MANUAL_METHODS],
        initial=PaymentMethod.BANK_TRANSFER,
    )
    reference = forms.CharField(
        label=_("Receipt or transfer reference"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        help_text=_("The day the money arrived (a transfer seen on the bank statement later)."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
    proof = forms.FileField(
        label=_("Proof of transfer"),
        required=False,
        help_text=_("A photo or PDF the customer sent (JPEG, PNG, WebP or PDF)."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}
        ),
    )

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()

    def clean_received_on(self):
        """Today (left empty: now), or a day of the last 60: never a day still to come."""
        day = self.cleaned_data.get("received_on")
        today = timezone.localdate()
        if day is None or day == today:
            return None
        if day > today:
            raise forms.ValidationError(_("The money cannot arrive on a day still to come."))
        if (today - day).days > 60:
            raise forms.ValidationError(_("Record payments within 60 days of receiving them."))
        # Midday of that day in WIB: it counts in that day's cash report.
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))

    def clean_proof(self):
        upload = self.cleaned_data.get("proof")
        if not upload:
            return None
        try:
            proof_check(upload)  # by content, size; renames it to a random name
        except ValidationFailed as exc:
            messages = exc.fields.get("proof", [exc.message])
            raise forms.ValidationError([str(m) for m in messages]) from None
        return upload


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Say why the invoice is void.")},
    )


class AdjustmentForm(forms.Form):
    """A credit or a charge for the customer's next invoice, entered as a direction and a
    positive amount (the service takes credits as negative amounts)."""

    CREDIT, CHARGE = "credit", "charge"

    direction = forms.ChoiceField(
        label=_("Credit or charge"),
        choices=[
            (CREDIT, _("Credit: the next invoice is lower")),
            (CHARGE, _("Charge: the next invoice is higher")),
        ],
        widget=forms.RadioSelect,
        initial=CREDIT,
    )
    amount = RupiahField(label=_("Amount (Rp)"))
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[
            (AdjustmentKind.COMPENSATION.value, AdjustmentKind.COMPENSATION.label),
            (AdjustmentKind.CORRECTION.value, AdjustmentKind.CORRECTION.label),
        ],
    )
    description = forms.CharField(
        label=_("Description for the customer"),
        max_length=200,
        help_text=_('Printed on the invoice line, e.g. "Compensation for the outage of 3 May".'),
    )

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(
                _("Enter a whole rupiah amount other than zero."), code="zero"
            )
        return amount

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()

    def signed_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        return -amount if self.cleaned_data["direction"] == self.CREDIT else amount


class PlanPriceForm(forms.Form):
    plan = forms.IntegerField(widget=forms.HiddenInput)
    monthly_price = RupiahField(label=_("New monthly price (Rp)"))
