"""Bearer-token auth for staff integrations, and the capability check of each endpoint."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from .models import ApiToken
from .roles import has_capability


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        row = ApiToken.objects.for_key(token)
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)  # at most once a minute
        request.user = row.user
        return row.user


class Capability(TokenAuth):
    """Token auth that also demands a capability; checked before the body is read, so a
    token without the right gets 403 whatever it sends."""

    def __init__(self, capability: str) -> None:
        super().__init__()
        self.capability = capability

    def authenticate(self, request, token: str):
        user = super().authenticate(request, token)
        if user is not None and not has_capability(user, self.capability):
            raise AuthorizationError()
        return user
