"""The customer's forms in the portal: open a ticket, reply on one.

The forms only shape the input; the rules (a complaint's complete record, the fault's
subscription, lengths) are the service's, and its field errors come back onto these
fields (same names) through `errors_to_form`.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ispcare.common.phone import display_phone
from ispcare.customers.models import Customer, Subscription

from .choices import TicketKind
from .tickets import BODY_MAX, SUBJECT_MAX

# What each type is for, under its name on the choice tiles.
KIND_HELP = {
    TicketKind.QUESTION: _("Ask us anything about your service."),
    TicketKind.COMPLAINT: _("Something went wrong and you want it put right."),
    TicketKind.FAULT: _("Your internet is down, slow or keeps dropping."),
    TicketKind.BILLING: _("Invoices, payments, the deposit."),
    TicketKind.OTHER: _("Anything else."),
}
# The complete record a complaint needs (helpdesk.complaints.RECORD_FIELDS and `since`).
COMPLAINT_FIELDS = ("what_happened", "since", "location", "impact", "contact")


class SubscriptionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Subscription) -> str:
        return f"{obj.plan.name} · {obj.pppoe_username} ({obj.get_state_display()})"


class TicketOpenForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it about?"), choices=TicketKind.choices, widget=forms.RadioSelect
    )
    subscription = SubscriptionChoice(
        label=_("Which subscription?"), queryset=Subscription.objects.none(), required=False
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Tell us more"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Complaint record: required by the service for a complaint (its messages land here).
    what_happened = forms.CharField(
        label=_("What happened?"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    since = forms.DateTimeField(
        label=_("Since when?"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("Where?"), required=False, max_length=300)
    impact = forms.CharField(
        label=_("How does it affect you?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contact = forms.CharField(
        label=_("How can we reach you?"),
        required=False,
        max_length=200,
        help_text=_("A phone or WhatsApp number and a good time to call."),
    )

    def __init__(self, *args, customer: Customer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer
        subs = (
            Subscription.objects.filter(customer=customer)
            .exclude(state__in=["cancelled", "closed"])
            .select_related("plan")
            .order_by("created_at")
        )
        self.fields["subscription"].queryset = subs
        # One subscription (or none): nothing to choose, the service takes it.
        self.has_choice = subs.count() > 1
        if not self.has_choice:
            del self.fields["subscription"]
        self.fields["contact"].initial = display_phone(customer.phone) if customer.phone else ""

    def kind_choices(self) -> list[tuple[forms.BoundField, str]]:
        """The radio tiles with their one-line explanations."""
        return [(radio, KIND_HELP.get(radio.data["value"], "")) for radio in self["kind"]]

    def complaint_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in COMPLAINT_FIELDS]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        sub = data.get("subscription")
        kwargs = {
            "kind": data["kind"],
            "subject": data["subject"],
            "description": data.get("description", ""),
            "subscription_id": sub.pk if sub else None,
        }
        if data["kind"] == TicketKind.COMPLAINT:
            kwargs["complaint"] = {name: data.get(name) for name in COMPLAINT_FIELDS}
        return kwargs


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
