"""Bearer-token auth for staff integrations, and the capability check of each endpoint.

A token acts as the staff member it was issued to (`ispcare api_token_create`), with the
capabilities of that member's role (roles.py). Each endpoint names its capability:

    @router.get("/customers/{id}", auth=requires("customers.view"))

No token, an unknown, revoked or deactivated one → 401 "unauthenticated"; a role without
the capability → 403 "forbidden"; more than RATE_LIMITS["api"] requests per token and
minute → 429 "rate_limited". Both are decided before the body is read, so a token
without the right learns nothing about the body's rules.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from ispcare.common.ratelimit import rate_limit_hit

from .models import ApiToken
from .roles import CAPABILITIES, has_capability

# last_used_at is written at most this often per token (one UPDATE, not one per request).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerToken(HttpBearer):
    openapi_description = (
        "An API token from `ispcare api_token_create --username U --name N`, sent as "
        "`Authorization: Bearer <key>`. It acts as that staff member; each operation names "
        "the capability its role needs."
    )

    def __init__(self, capability: str | None = None) -> None:
        if capability is not None and capability not in CAPABILITIES:
            raise KeyError(f"unknown capability {capability!r}")
        self.capability = capability
        super().__init__()

    def authenticate(self, request, token: str):
        row = ApiToken.objects.for_key(token)  # revoked tokens are not found
        if row is None or not row.user.is_active:
            return None
        # Per token (an integration, not an address): 429 "rate_limited" once it is spent.
        rate_limit_hit(request, "api", key=f"token:{row.pk}")
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.api_token = row
        if self.capability and not has_capability(row.user, self.capability):
            raise AuthorizationError()
        return row.user


def requires(capability: str) -> BearerToken:
    """Auth for an endpoint: a valid token whose user's role has `capability`."""
    return BearerToken(capability)
