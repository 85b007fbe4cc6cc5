"""Login (staff username, customer number or email), logout, and the home redirect by role."""

from __future__ import annotations

from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ispcare.common.ratelimit import rate_limited

from .roles import Role

HOME_BY_ROLE = {
    Role.CUSTOMER: "portal:dashboard",
    Role.TECHNICIAN: "workorders:my_jobs",
    Role.REGISTRATION: "staff:registration_queue",
    Role.FINANCE: "billing:invoice_list",
}


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong login or password. Customers log in with their customer number or email."
        ),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username, customer number or email")
        self.fields["password"].label = _("Password")


@rate_limited("login")
def login(request):
    """Public: the login form."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth.login(request, form.get_user())
        if next_url and url_has_allowed_host_and_scheme(
            next_url, {request.get_host()}, request.is_secure()
        ):
            return redirect(next_url)
        return redirect("accounts:home")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


login.public = True


@require_POST
def logout(request):
    """Public: ends the session (POST only, so a link cannot log someone out)."""
    auth.logout(request)
    return redirect("accounts:login")


logout.public = True


@login_required
def home(request):
    """Any logged-in person: sent to the page they start their day on."""
    return redirect(HOME_BY_ROLE.get(request.user.role, "staff:dashboard"))


home.public = True
