"""Staff forms of the closing: each checks only the shape of the input (a date, a whole
rupiah amount, a choice); the services decide everything else and their refusals come
back on these fields (ispcare.common.forms.errors_to_form)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import Role
from ispcare.billing.choices import RefundMethod
from ispcare.billing.forms import RupiahField
from ispcare.customers.choices import EquipmentCondition, EquipmentKind
from ispcare.workorders.forms import TechnicianChoiceField

from .choices import ClosureReason, ReturnMethod

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoteForm(forms.Form):
    """Processing a request: an optional note for the record."""

    note = forms.CharField(
        label=_("Note for the record"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmForm(forms.Form):
    """Settling and closing take no input: the button is the confirmation."""


class PickupForm(forms.Form):
    technician = TechnicianChoiceField(
        label=_("Technician"),
        queryset=get_user_model().objects.none(),
        empty_label=_("Choose a technician"),
        error_messages={
            "required": _("Choose a technician."),
            "invalid_choice": _("Choose one of the active technicians."),
        },
    )
    date = forms.DateField(
        label=_("Pickup date"),
        widget=_DATE,
        error_messages={"required": _("Choose the pickup date.")},
    )
    note = forms.CharField(
        label=_("Note for the technician"),
        required=False,
        max_length=500,
        help_text=_("What to collect, when the customer is home, anything useful."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = (
            get_user_model()
            .objects.filter(role=Role.TECHNICIAN, is_active=True)
            .order_by("first_name", "last_name", "username")
        )


def device_field_name(equipment_id: int) -> str:
    return f"device_{equipment_id}"


class CheckInForm(forms.Form):
    """One radio group per device still at the customer's (good / damaged / missing). A
    device left without a choice stays at the customer's; at least one is needed."""

    via = forms.ChoiceField(
        label=_("The equipment came back"),
        choices=[
            (ReturnMethod.PICKUP, _("Picked up by a technician")),
            (ReturnMethod.DROPOFF, _("Brought to the office by the customer")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say how the equipment came back.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, devices=(), fixed_via: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.devices = list(devices)
        self.fixed_via = fixed_via
        if fixed_via:
            self.fields["via"].widget = forms.HiddenInput()
            self.fields["via"].required = False
            self.fields["via"].initial = fixed_via
        for device in self.devices:
            self.fields[device_field_name(device.pk)] = forms.ChoiceField(
                label=f"{device.get_kind_display()} {device.serial}",
                choices=EquipmentCondition.choices,
                required=False,
                widget=forms.RadioSelect,
            )

    def device_rows(self):
        """(device, bound field) pairs, for a template that draws big touch targets."""
        return [(d, self[device_field_name(d.pk)]) for d in self.devices]

    def clean_via(self) -> str:
        return self.fixed_via or self.cleaned_data["via"]

    def clean(self):
        data = super().clean()
        conditions = {
            d.pk: data[device_field_name(d.pk)]
            for d in self.devices
            if data.get(device_field_name(d.pk))
        }
        if self.devices and not conditions:
            message = _("Choose the condition of each device that came back.")
            for d in self.devices:
                self.add_error(device_field_name(d.pk), message)
        data["conditions"] = conditions
        return data


class RefundForm(forms.Form):
    amount = RupiahField(
        label=_("Refund amount (Rp)"),
        error_messages={"required": _("Enter the amount refunded.")},
    )
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=RefundMethod.choices,
        initial=RefundMethod.BANK_TRANSFER,
    )
    reference = forms.CharField(
        label=_("Transfer or receipt number"),
        max_length=64,
        error_messages={"required": _("Enter the transfer or receipt number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the balance written off?"),
        max_length=200,
        error_messages={"required": _("Say why the balance is written off.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OfferForm(forms.Form):
    text = forms.CharField(
        label=_("The offer"),
        max_length=2000,
        help_text=_("For example: half price for two months, or a free upgrade to 50 Mbps."),
        error_messages={"required": _("Describe the offer.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    credit = RupiahField(
        label=_("Credit on the next invoice (Rp)"),
        required=False,
        help_text=_("Given only if the customer accepts; 0 or empty for none."),
    )

    def clean_credit(self) -> int:
        return self.cleaned_data.get("credit") or 0


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("The customer's answer"),
        choices=[("accept", _("Accepts: stays")), ("decline", _("Declines: leaves"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the customer's answer.")},
    )


class ClosureRequestForm(forms.Form):
    """A request filed by staff for a customer who phoned or came to the counter."""

    subscription = forms.TypedChoiceField(
        label=_("Subscription"),
        coerce=int,
        error_messages={
            "required": _("Choose the subscription to terminate."),
            "invalid_choice": _("Choose the subscription to terminate."),
        },
    )
    end_date = forms.DateField(
        label=_("End date"),
        widget=_DATE,
        help_text=_(
            "The service stops at 00:00 on this day: network access is disabled and billing stops."
        ),
        error_messages={"required": _("Enter the date the service ends.")},
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason")), *ClosureReason.choices],
        error_messages={"required": _("Choose a reason.")},
    )
    reason_text = forms.CharField(
        label=_("In the customer's words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    return_method = forms.ChoiceField(
        label=_("Equipment return"),
        choices=[
            (ReturnMethod.PICKUP, _("A technician picks it up")),
            (ReturnMethod.DROPOFF, _("The customer brings it to the office")),
        ],
        initial=ReturnMethod.PICKUP,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the equipment comes back.")},
    )
    refund_bank = forms.CharField(label=_("Bank"), required=False, max_length=60)
    refund_account_number = forms.CharField(
        label=_("Account number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    refund_account_name = forms.CharField(label=_("Account holder"), required=False, max_length=150)

    def __init__(self, *args, subscriptions=(), **kwargs):
        super().__init__(*args, **kwargs)
        subs = list(subscriptions)
        self.fields["subscription"].choices = [
            (s.pk, f"{s.plan.name} · {s.pppoe_username} · {s.get_state_display()}") for s in subs
        ]
        if len(subs) == 1:
            self.fields["subscription"].initial = subs[0].pk
            self.fields["subscription"].widget = forms.HiddenInput()
        if not self.is_bound:  # the first of next month, the usual choice
            first = timezone.localdate().replace(day=1)
            self.fields["end_date"].initial = (first + dt.timedelta(days=32)).replace(day=1)


PRICE_KINDS = tuple(EquipmentKind.values)


class PriceListForm(forms.Form):
    """The whole equipment price list in one form: two charges per device type. Both
    empty: no charge for that type."""

    def __init__(self, *args, prices=None, **kwargs):
        super().__init__(*args, **kwargs)
        prices = prices or {}
        for kind in PRICE_KINDS:
            current = prices.get(kind)
            for which, label in (
                ("damaged", _("If damaged (Rp)")),
                ("missing", _("If missing (Rp)")),
            ):
                name = f"{kind}_{which}"
                self.fields[name] = RupiahField(label=label, required=False)
                if current is not None:
                    self.fields[name].initial = getattr(current, f"{which}_charge")

    def rows(self):
        return [
            (kind, EquipmentKind(kind).label, self[f"{kind}_damaged"], self[f"{kind}_missing"])
            for kind in PRICE_KINDS
        ]

    def clean(self):
        data = super().clean()
        prices: dict[str, tuple[int, int] | None] = {}
        for kind in PRICE_KINDS:
            damaged, missing = data.get(f"{kind}_damaged"), data.get(f"{kind}_missing")
            if f"{kind}_damaged" in self.errors or f"{kind}_missing" in self.errors:
                continue
            if damaged is None and missing is None:
                prices[kind] = None
            elif damaged is None or missing is None:
                name = f"{kind}_damaged" if damaged is None else f"{kind}_missing"
                self.add_error(name, _("Fill in both charges, or leave both empty."))
            else:
                prices[kind] = (damaged, missing)
        data["prices"] = prices
        return data
