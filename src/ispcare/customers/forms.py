"""Validation of registration input: the one place shared by the public form and the API."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.nik import parse_nik
from ispcare.common.phone import normalize_phone

from .models import Application, Plan

CONSENTS = {
    "consent_initial_payment": _(
        "I will pay the initial payment (installation fee) at installation."
    ),
    "consent_deposit": _("I will pay the subscription deposit after installation."),
    "consent_isolation": _("I understand the service stays isolated until the deposit is paid."),
    "consent_equipment": _(
        "The modem and other equipment remain the property of the ISP and are returned when I stop."
    ),
}
MAX_DAYS_AHEAD = 60


class RegistrationForm(forms.ModelForm):
    # Honeypot: hidden from people by CSS; bots that fill every field are turned away.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    class Meta:
        model = Application
        fields = Application.REGISTRATION_FIELDS
        widgets = {
            "preferred_date": forms.DateInput(attrs={"type": "date"}),
            "nik": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 16}
            ),
            "phone": forms.TextInput(
                attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "08…"}
            ),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 5}),
            "rt": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 3}),
            "rw": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 3}),
            "latitude": forms.HiddenInput(),
            "longitude": forms.HiddenInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(is_active=True)
        self.fields["plan"].empty_label = None
        self.fields["plan"].error_messages.update(
            {
                "required": _("Choose a plan."),
                "invalid_choice": _("Choose one of the plans we offer."),
            }
        )
        for name, label in CONSENTS.items():
            self.fields[name] = forms.BooleanField(
                label=label,
                required=True,
                error_messages={"required": _("You must agree to this term to register.")},
            )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 3 or not re.search(r"[^\W\d_]", name):
            raise forms.ValidationError(_("Enter your full name as on your KTP."))
        return name

    def clean_nik(self) -> str:
        nik = self.cleaned_data["nik"].strip()
        parse_nik(nik)
        return nik

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def _digits(self, field: str, length: int | None = None, max_length: int = 3) -> str:
        value = self.cleaned_data[field].strip()
        # ASCII digits only: str.isdigit() would let full-width and other scripts through.
        if (
            not re.fullmatch(r"[0-9]+", value)
            or (length and len(value) != length)
            or len(value) > max_length
        ):
            raise forms.ValidationError(
                _("Enter %(n)s digits.") % {"n": length}
                if length
                else _("Enter a number, e.g. 003.")
            )
        return value.zfill(3) if not length else value

    def clean_rt(self) -> str:
        return self._digits("rt")

    def clean_rw(self) -> str:
        return self._digits("rw")

    def clean_postcode(self) -> str:
        return self._digits("postcode", length=5, max_length=5)

    def clean_preferred_date(self) -> dt.date:
        value = self.cleaned_data["preferred_date"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("Choose a date from tomorrow on."))
        if value > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(
                _("Choose a date within %(days)s days.") % {"days": MAX_DAYS_AHEAD}
            )
        return value

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Leave this field empty."))
        return ""

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lon is None):
            raise forms.ValidationError(_("The map pin needs both latitude and longitude."))
        if lat is not None and not (-11 <= lat <= 6 and 95 <= lon <= 141):
            self.add_error("latitude", _("The map pin is outside Indonesia."))
        return cleaned


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the applicant)"),
        min_length=5,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApproveForm(forms.Form):
    coverage_override = forms.BooleanField(
        label=_("Approve although the address is outside the coverage list"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
