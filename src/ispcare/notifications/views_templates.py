"""Staff (admin) edit the texts of notices, with a live preview against a sample customer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.common.errors import ValidationFailed
from ispcare.common.forms import errors_to_form

from . import catalog, services
from .models import TemplateOverride
from .rendering import source_for

LANGUAGE_LABELS = {"id": gettext_lazy("Indonesian"), "en": gettext_lazy("English")}


class TemplateForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 16}))


def _spec(key: str, language: str) -> catalog.TemplateSpec:
    if language not in catalog.LANGUAGES:
        raise Http404
    try:
        return catalog.spec_for(key)
    except KeyError:
        raise Http404 from None


@capability_required("notifications.templates")
def template_list(request):
    edited = set(TemplateOverride.objects.values_list("key", "language"))
    rows = [
        {
            "spec": spec,
            "languages": [
                {"code": lang, "label": LANGUAGE_LABELS[lang], "edited": (spec.key, lang) in edited}
                for lang in catalog.LANGUAGES
            ],
        }
        for spec in catalog.all_specs()
    ]
    return render(request, "notifications/staff/template_list.html", {"rows": rows})


@capability_required("notifications.templates")
def template_edit(request, key: str, language: str):
    spec = _spec(key, language)
    source = source_for(key, language)
    form = TemplateForm(
        request.POST or None, initial={"subject": source.subject, "body": source.body}
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            services.template_save(
                key=key,
                language=language,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                by=request.user,
            )
        except ValidationFailed as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Template saved: new messages use it from now on."))
            return redirect("notifications:template_edit", key, language)
    if not form.is_bound:
        preview = _preview(key, language, source.subject, source.body)
    return render(
        request,
        "notifications/staff/template_edit.html",
        {
            "spec": spec,
            "language": language,
            "language_label": LANGUAGE_LABELS[language],
            "form": form,
            "preview": preview,
            "overridden": source.overridden,
            "variables": _variables(spec.sample),
        },
    )


def _variables(sample: dict, prefix: str = "") -> list[str]:
    """The names a template can use, nested ones spelled out (plan.name, invoice.amount)."""
    names: list[str] = []
    for name, value in sorted(sample.items()):
        if isinstance(value, dict):
            names += _variables(value, f"{prefix}{name}.")
        else:
            names.append(f"{prefix}{name}")
    return names


def _preview(key: str, language: str, subject: str, body: str) -> dict:
    try:
        subject_, body_ = services.template_preview(
            key=key, language=language, subject=subject, body=body
        )
    except ValidationFailed as exc:
        return {"errors": {k: [str(m) for m in v] for k, v in exc.fields.items()}}
    return {"subject": subject_, "body": body_}


@require_POST
@capability_required("notifications.templates")
def template_preview(request, key: str, language: str):
    """htmx: the preview panel for the text being typed (nothing is saved)."""
    _spec(key, language)
    preview = _preview(
        key, language, request.POST.get("subject", "")[:200], request.POST.get("body", "")[:20000]
    )
    return render(request, "notifications/staff/_template_preview.html", {"preview": preview})


@require_POST
@capability_required("notifications.templates")
def template_reset(request, key: str, language: str):
    _spec(key, language)
    services.template_reset(key=key, language=language)
    messages.success(request, _("Back to the standard text."))
    return redirect("notifications:template_edit", key, language)
