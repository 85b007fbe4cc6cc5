"""The customer portal: the logged-in customer's own records only."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.decorators import customer_required
from ispcare.accounts.roles import Role
from ispcare.accounts.views import remember_language
from ispcare.common.errors import ValidationFailed
from ispcare.common.forms import errors_to_form
from ispcare.network.selectors import connection_of
from ispcare.notifications.selectors import inbox_for, unread_count
from ispcare.notifications.services import inbox_mark_read

from . import services
from .choices import EventKind
from .events import event_record
from .models import Customer
from .sessions import sessions_page
from .views_public import onboarding_steps


def _customer(request) -> Customer:
    return get_object_or_404(
        Customer.objects.select_related("user", "application"), user=request.user
    )


@customer_required
def dashboard(request):
    """Customer: number, plan, the service state in plain words, progress and what to do."""
    customer = _customer(request)
    subscription = customer.subscriptions.select_related("plan").first()
    return render(
        request,
        "customers/portal/dashboard.html",
        {
            "customer": customer,
            "subscription": subscription,
            "steps": onboarding_steps(customer.application, subscription),
            "unread": unread_count(user_id=request.user.pk),
            "connection": connection_of(subscription.pppoe_username, history=5)
            if subscription and subscription.installed_at
            else None,
            "bank_account": settings.ISP_BANK_ACCOUNT,
            "office_address": settings.ISP_ADDRESS,
        },
    )


@customer_required
def notifications(request):
    """Customer: the in-app messages; the ones shown are marked read."""
    rows = list(inbox_for(user_id=request.user.pk)[:100])
    inbox_mark_read(user_id=request.user.pk, ids=[n.pk for n in rows if n.read_at is None])
    return render(request, "customers/portal/notifications.html", {"rows": rows})


def _user_from_link(uidb64: str, token: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = (
        auth.get_user_model()
        .objects.filter(pk=pk, role=Role.CUSTOMER, is_active=True, customer__isnull=False)
        .first()
    )
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


class WelcomePasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = _(
            "At least 8 characters, not only numbers, not your customer number."
        )
        self.fields["new_password2"].label = _("The same password again")
        self.fields["new_password2"].help_text = ""


def welcome(request, uidb64: str, token: str):
    """Public with the one-time link of the welcome message: set the portal password.

    The token is Django's password-reset token: it depends on the password hash and the
    last login, so it stops working once used (and after PASSWORD_RESET_TIMEOUT).
    """
    user = _user_from_link(uidb64, token)
    if user is None:
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
        return render(request, "customers/portal/welcome_invalid.html", {"days": days}, status=400)
    form = WelcomePasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            event_record(customer=user.customer, kind=EventKind.PORTAL_PASSWORD_SET, actor=user)
        auth.login(request, user, backend="ispcare.accounts.backends.LoginBackend")
        response = redirect("portal:dashboard")
        remember_language(request, response, user)
        return response
    return render(
        request, "customers/portal/welcome.html", {"form": form, "customer": user.customer}
    )


welcome.public = True  # protected by the signed one-time token instead of a login


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    notify_channels = forms.ChoiceField(
        label=_("Send me messages by"),
        widget=forms.RadioSelect,
        choices=[
            ("whatsapp,email", _("WhatsApp, or email if WhatsApp does not work")),
            ("email,whatsapp", _("Email, or WhatsApp if email does not work")),
            ("whatsapp", _("WhatsApp only")),
            ("email", _("Email only")),
            ("", _("Only here in the portal")),
        ],
        required=False,
    )


@customer_required
def preferences(request):
    """Customer: language and how we send messages (portal messages are always kept)."""
    customer = _customer(request)
    form = PreferencesForm(
        request.POST or None,
        initial={"language": customer.language, "notify_channels": customer.notify_channels},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_preferences_update(
                customer_id=customer.pk,
                language=form.cleaned_data["language"],
                notify_channels=form.cleaned_data["notify_channels"],
                actor=request.user,
            )
        except ValidationFailed as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            response = redirect("portal:preferences")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                form.cleaned_data["language"],
                max_age=365 * 24 * 3600,
                samesite="Lax",
            )
            return response
    return render(
        request, "customers/portal/preferences.html", {"form": form, "customer": customer}
    )


@customer_required
def sessions(request):
    """Customer: my internet sessions, newest first."""
    customer = _customer(request)
    sub = customer.subscriptions.select_related("plan").first()
    if sub is None:
        raise Http404
    return sessions_page(
        request, subscription=sub, template="customers/portal/sessions.html", staff=False
    )
