"""Forms of the staff ticket pages. They check shape (required, choices, dates); the
services check meaning and their refusals come back as field errors (errors_to_form)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import CAPABILITIES, Role

from .choices import ContactChannel, Priority, TicketKind
from .lifecycle import MACHINE

WIB = ZoneInfo("Asia/Jakarta")
LOCAL_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def ticket_workers():
    """Staff who may be given tickets (the service refuses anyone else)."""
    roles = CAPABILITIES["helpdesk.work"]
    return (
        get_user_model()
        .objects.filter(role__in=roles, is_active=True)
        .order_by("first_name", "last_name", "username")
    )


def technicians():
    return (
        get_user_model()
        .objects.filter(role=Role.TECHNICIAN, is_active=True)
        .order_by("first_name", "last_name", "username")
    )


class WIBDateTimeField(forms.DateTimeField):
    """A datetime-local input read as WIB whatever the active time zone; cleaned to UTC."""

    input_formats = LOCAL_INPUT
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        with timezone.override(WIB):
            result = super().to_python(value)
        return result.astimezone(dt.UTC) if result else result

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
        return value


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        help_text=_("Only staff see this."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
    )


class EtaForm(forms.Form):
    eta = WIBDateTimeField(
        label=_("Estimated restoration (WIB)"),
        error_messages={"invalid": _("Enter a date and time, e.g. 2025-03-01 14:30.")},
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
    )


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in MACHINE.transitions])
    note = forms.CharField(
        label=_("Note for the customer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
    )


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class AssignForm(forms.Form):
    assignee = PersonChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody"),
        error_messages={"invalid_choice": _("Choose a staff member who works tickets.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = ticket_workers()


class BulkAssignForm(AssignForm):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]
        self.fields["ids"].error_messages["required"] = _("Pick at least one ticket.")


class InvestigationForm(forms.Form):
    notes = forms.CharField(
        label=_("What the investigation found"), widget=forms.Textarea(attrs={"rows": 3})
    )


class SolutionForm(forms.Form):
    solution = forms.CharField(label=_("Solution"), widget=forms.Textarea(attrs={"rows": 3}))
    action_taken = forms.CharField(
        label=_("Action taken"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    contacted_at = WIBDateTimeField(
        label=_("When (WIB)"),
        required=False,
        help_text=_("Empty: now."),
        error_messages={"invalid": _("Enter a date and time, e.g. 2025-03-01 14:30.")},
    )
    summary = forms.CharField(
        label=_("What the customer was told"), widget=forms.Textarea(attrs={"rows": 3})
    )


class EscalateForm(forms.Form):
    technician = PersonChoiceField(
        label=_("Technician"),
        queryset=get_user_model().objects.none(),
        empty_label=_("Choose a technician"),
        error_messages={"invalid_choice": _("Choose one of the active technicians.")},
    )
    date = forms.DateField(label=_("Visit date"), widget=forms.DateInput(attrs={"type": "date"}))
    problem = forms.CharField(
        label=_("What to look at"),
        required=False,
        help_text=_("Empty: the ticket's subject."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The visit cannot be in the past."))
        return day


class VisitForm(forms.Form):
    result = forms.CharField(
        label=_("What was found and done"), widget=forms.Textarea(attrs={"rows": 3})
    )
    fixed = forms.TypedChoiceField(
        label=_("Is the service working again?"),
        choices=[("yes", _("Yes, fixed")), ("no", _("No, still broken"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of this view"), max_length=60)
    query = forms.CharField(required=False, max_length=500)


class CustomerFindForm(forms.Form):
    find = forms.CharField(label=_("Customer number or phone"), required=False, max_length=40)


class TicketCreateForm(forms.Form):
    """A phone call becomes a ticket; a complaint needs its complete record."""

    subscription = forms.TypedChoiceField(
        label=_("Subscription"), coerce=int, required=False, empty_value=None
    )
    contact_name = forms.CharField(label=_("Caller's name"), required=False, max_length=150)
    contact_phone = forms.CharField(label=_("Caller's phone"), required=False, max_length=20)
    kind = forms.ChoiceField(label=_("Type"), choices=TicketKind.choices)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The complaint's complete record (required for complaints, by the service).
    what_happened = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    since = WIBDateTimeField(
        label=_("Since when (WIB)"),
        required=False,
        error_messages={"invalid": _("Enter a date and time, e.g. 2025-03-01 14:30.")},
    )
    location = forms.CharField(label=_("Where"), required=False, max_length=300)
    impact = forms.CharField(
        label=_("Impact on the customer"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    contact = forms.CharField(label=_("How to reach the customer"), required=False, max_length=200)

    COMPLAINT_FIELDS = ("what_happened", "since", "location", "impact", "contact")

    def __init__(self, *args, subscriptions=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The complete record is required of a complaint only (shown as required, and
        # refused field by field before the service is asked).
        is_complaint = not self.is_bound or self.data.get("kind") == TicketKind.COMPLAINT
        for name in self.COMPLAINT_FIELDS:
            self.fields[name].required = is_complaint
        self.fields["subscription"].choices = [("", _("Choose a subscription"))] + [
            (s.pk, f"{s.pppoe_username} · {s.plan.name} · {s.get_state_display()}")
            for s in subscriptions
        ]
