"""Staff: write an announcement and send it to a chosen group of customers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ispcare.accounts.decorators import capability_required
from ispcare.network.models import Node

from .announcements import LIVE_STATES, Audience, Text, announcement_send
from .choices import SubscriptionState
from .models import CoverageArea, Plan


class AnnouncementForm(forms.Form):
    states = forms.MultipleChoiceField(
        label=gettext_lazy("Customers whose service is"),
        choices=[(s.value, s.label) for s in SubscriptionState if s in LIVE_STATES],
        initial=[s.value for s in LIVE_STATES],
        widget=forms.CheckboxSelectMultiple,
    )
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Plan"),
        queryset=Plan.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("All plans"),
    )
    kecamatan = forms.ChoiceField(label=gettext_lazy("District (kecamatan)"), required=False)
    node = forms.ModelChoiceField(
        label=gettext_lazy("Behind network node"),
        queryset=Node.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("The whole network"),
        help_text=gettext_lazy("A POP, router, OLT or access point: everyone connected below it."),
    )
    subject_id = forms.CharField(label=gettext_lazy("Subject (Indonesian)"), max_length=150)
    body_id = forms.CharField(
        label=gettext_lazy("Text (Indonesian)"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    subject_en = forms.CharField(
        label=gettext_lazy("Subject (English)"), max_length=150, required=False
    )
    body_en = forms.CharField(
        label=gettext_lazy("Text (English)"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Customers who chose English get this; without it, the Indonesian text."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        districts = sorted(set(CoverageArea.objects.values_list("kecamatan", flat=True)))
        self.fields["kecamatan"].choices = [("", _("All districts")), *((d, d) for d in districts)]

    def clean(self):
        data = super().clean()
        if bool(data.get("subject_en")) != bool(data.get("body_en")):
            self.add_error(
                "body_en" if data.get("subject_en") else "subject_en",
                _("Give both the English subject and text, or neither."),
            )
        return data

    def audience(self) -> Audience:
        d = self.cleaned_data
        return Audience(
            states=tuple(d["states"]),
            plan_id=d["plan"].pk if d.get("plan") else None,
            kecamatan=d.get("kecamatan") or "",
            node_id=d["node"].pk if d.get("node") else None,
        )

    def audience_label(self) -> str:
        d = self.cleaned_data
        labels = dict(SubscriptionState.choices)
        parts = ["; ".join(str(labels[s]) for s in d["states"])]  # labels may contain commas
        if d.get("plan"):
            parts.append(d["plan"].name)
        if d.get("kecamatan"):
            parts.append(d["kecamatan"])
        if d.get("node"):
            parts.append(str(d["node"]))
        return " · ".join(parts)


@capability_required("notifications.bulk")
def announce(request):
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        audience = form.audience()
        if audience.count() == 0:
            form.add_error(None, _("No customer matches this choice."))
        else:
            bulk = announcement_send(
                audience=audience,
                text_id=Text(d["subject_id"], d["body_id"]),
                text_en=Text(d["subject_en"], d["body_en"]) if d.get("subject_en") else None,
                label=form.audience_label(),
                by=request.user,
            )
            messages.success(
                request,
                _("Announcement queued for %(n)s customers; sending runs in the background.")
                % {"n": bulk.total},
            )
            return redirect("notifications:bulk_detail", bulk.pk)
    return render(request, "customers/staff/announce.html", {"form": form})


@capability_required("notifications.bulk")
def announce_count(request):
    """htmx: how many customers the current choice reaches."""
    form = AnnouncementForm(request.GET)
    form.is_valid()  # only the audience fields matter here
    if any(f in form.errors for f in ("states", "plan", "kecamatan", "node")):
        return HttpResponse("")
    n = form.audience().count()
    return render(request, "customers/staff/_announce_count.html", {"n": n})
