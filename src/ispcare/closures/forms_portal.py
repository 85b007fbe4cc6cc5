"""The customer's termination request form in the portal.

The service (`services.closure_request`) holds the rules and its field errors come back
onto these fields (same names) through `errors_to_form`. The form repeats the simple
ones (the end date's earliest day, the text for "other", the bank details all or none)
so that a customer sees every mistake at once, not one round at a time.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ClosureReason, ReturnMethod

REFUND_FIELDS = ("refund_bank", "refund_account_number", "refund_account_name")
DEFAULT_NOTICE_DAYS = 7  # the end date suggested on the form


def earliest_end_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=settings.CLOSING_MIN_NOTICE_DAYS)


class ClosureRequestForm(forms.Form):
    end_date = forms.DateField(
        label=_("End date of the service"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Your internet is switched off on this day; until then it works as usual."),
        error_messages={
            "required": _("Choose the day the service ends."),
            "invalid": _("Choose the day the service ends."),
        },
    )
    reason = forms.ChoiceField(
        label=_("Why do you want to stop?"),
        choices=ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason.")},
    )
    reason_text = forms.CharField(
        label=_("Tell us more"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you choose “Other”. It helps us improve."),
    )
    return_method = forms.ChoiceField(
        label=_("How does the equipment come back?"),
        choices=ReturnMethod.choices,
        initial=ReturnMethod.PICKUP,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the equipment comes back.")},
    )
    refund_bank = forms.CharField(
        label=_("Bank"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "BCA, BRI, Mandiri…"}),
    )
    refund_account_number = forms.CharField(
        label=_("Account number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    refund_account_name = forms.CharField(label=_("Account holder"), required=False, max_length=150)
    confirm = forms.BooleanField(
        label=_(
            "I understand that the service ends on that date, the equipment must be "
            "returned and the deposit is settled as described."
        ),
        error_messages={"required": _("Tick the box to confirm that you have read this.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        earliest = earliest_end_date()
        self.fields["end_date"].initial = timezone.localdate() + dt.timedelta(
            days=max(DEFAULT_NOTICE_DAYS, settings.CLOSING_MIN_NOTICE_DAYS)
        )
        self.fields["end_date"].widget.attrs.update(
            min=earliest.isoformat(), max=(earliest + dt.timedelta(days=180)).isoformat()
        )

    def clean(self) -> dict:
        data = super().clean()
        end_date = data.get("end_date")
        earliest = earliest_end_date()
        if end_date and end_date < earliest:
            self.add_error(
                "end_date",
                _("The end date cannot be before %(date)s.")
                % {"date": earliest.strftime("%d-%m-%Y")},
            )
        if (
            data.get("reason") == ClosureReason.OTHER
            and len((data.get("reason_text") or "").strip()) < 5
        ):
            self.add_error("reason_text", _("Tell us the reason in a few words."))
        refund = [(data.get(name) or "").strip() for name in REFUND_FIELDS]
        if any(refund) and not all(refund):
            for name, value in zip(REFUND_FIELDS, refund, strict=True):
                if not value:
                    self.add_error(
                        name, _("Fill in the bank, the account number and the holder's name.")
                    )
        account = refund[1].replace(" ", "").replace("-", "")
        if account and not account.isdigit():
            self.add_error("refund_account_number", _("An account number has digits only."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "end_date": data["end_date"],
            "reason": data["reason"],
            "reason_text": data.get("reason_text", ""),
            "return_method": data["return_method"],
            **{name: data.get(name, "") for name in REFUND_FIELDS},
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you cancelling?"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
