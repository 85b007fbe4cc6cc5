"""The customer portal: the customer's own records only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from ispcare.accounts.decorators import customer_required
from ispcare.accounts.roles import Role
from ispcare.notifications.selectors import inbox_for, unread_count

from .choices import EventKind
from .events import event_record
from .models import Customer


def _customer(request) -> Customer:
    return Customer.objects.select_related("user").get(user=request.user)


@customer_required
def dashboard(request):
    customer = _customer(request)
    subscription = customer.subscriptions.select_related("plan").first()
    return render(
        request,
        "customers/portal/dashboard.html",
        {
            "customer": customer,
            "subscription": subscription,
            "unread": unread_count(user_id=request.user.pk),
            "bank_account": settings.ISP_BANK_ACCOUNT,
        },
    )


@customer_required
def notifications(request):
    rows = list(inbox_for(user_id=request.user.pk)[:100])
    inbox_for(user_id=request.user.pk).filter(read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "customers/portal/notifications.html", {"rows": rows})


def _user_from_link(uidb64: str, token: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = auth.get_user_model().objects.filter(pk=pk, role=Role.CUSTOMER, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def welcome(request, uidb64: str, token: str):
    """Public with the signed one-time link from the welcome message: set the portal password."""
    user = _user_from_link(uidb64, token)
    if user is None:
        return render(request, "customers/portal/welcome_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # changes the password hash, so the link cannot be used again
        auth.login(request, user, backend="ispcare.accounts.backends.LoginBackend")
        event_record(customer=user.customer, kind=EventKind.PORTAL_PASSWORD_SET, actor=user)
        return redirect("portal:dashboard")
    return render(
        request, "customers/portal/welcome.html", {"form": form, "customer": user.customer}
    )


welcome.public = True
