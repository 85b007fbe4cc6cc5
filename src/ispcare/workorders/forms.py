"""Forms of field work: scheduling an installation, completing it on the phone."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import Role
from ispcare.billing.choices import PaymentMethod
from ispcare.billing.forms import RupiahField
from ispcare.network.choices import NodeKind
from ispcare.network.models import Node


class TechnicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ScheduleForm(forms.Form):
    date = forms.DateField(
        label=_("Installation date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    technician = TechnicianChoiceField(
        label=_("Technician"),
        queryset=get_user_model().objects.none(),
        empty_label=_("Choose a technician"),
        error_messages={"invalid_choice": _("Choose one of the active technicians.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = (
            get_user_model()
            .objects.filter(role=Role.TECHNICIAN, is_active=True)
            .order_by("first_name", "last_name", "username")
        )


class CompleteInstallationForm(forms.Form):
    serials = forms.CharField(
        label=_("Equipment serial numbers"),
        help_text=_("Type or scan each device's serial; one per line."),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "autocapitalize": "characters",
                "autocomplete": "off",
                "autocorrect": "off",
                "spellcheck": "false",
            }
        ),
    )
    amount = RupiahField(label=_("Initial payment collected (Rp)"))
    method = forms.ChoiceField(
        label=_("Payment method"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH
    )
    receipt_number = forms.CharField(
        label=_("Receipt number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    node = forms.ModelChoiceField(
        label=_("Connected to"),
        queryset=Node.objects.none(),
        required=False,
        empty_label=_("Not recorded"),
        help_text=_("The OLT or access point the subscriber hangs on."),
    )
    result = forms.CharField(
        label=_("Notes (signal level, cabling, anything the office should know)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = Node.objects.filter(
            kind__in=[NodeKind.OLT, NodeKind.AP, NodeKind.ROUTER]
        ).order_by("name")

    def clean_serials(self) -> list[str]:
        serials = [s for s in re.split(r"[\s,;]+", self.cleaned_data["serials"]) if s]
        if not serials:
            raise forms.ValidationError(_("Record at least one device."))
        twice = sorted({s for s in serials if serials.count(s) > 1})
        if twice:
            raise forms.ValidationError(
                _("Serial %(serial)s is listed twice.") % {"serial": twice[0]}
            )
        return serials

    def clean_receipt_number(self) -> str:
        return self.cleaned_data["receipt_number"].strip()
