"""Log in with a username (staff), a customer number, or an email address."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class LoginBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        users = get_user_model().objects
        ident = username.strip()
        user = users.filter(username__iexact=ident).first()
        if user is None and "@" in ident:
            matches = list(users.filter(email__iexact=ident, is_active=True)[:2])
            user = matches[0] if len(matches) == 1 else None
        if user is None:
            get_user_model()().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
