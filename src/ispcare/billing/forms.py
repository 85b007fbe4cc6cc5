"""Staff forms of billing: recording a payment; the rupiah field shared with field work."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import PaymentMethod

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
    amount = RupiahField(label=_("Amount received (Rp)"))
    method = forms.ChoiceField(
        label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER
    )
    reference = forms.CharField(
        label=_("Receipt or transfer reference"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()
