"""Forms of the login pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """One box for a staff username, a customer number or an email address (see backends)."""

    error_messages = {
        "invalid_login": _(
            "Wrong login or password. Customers log in with their customer number or email."
        ),
        "inactive": _("This account is disabled. Contact customer service."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Customer number, email or staff username")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].label = _("Password")
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password"}
        )
