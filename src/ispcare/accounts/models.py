"""Users (staff and customers) and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role, has_capability


class User(AbstractUser):
    """A person who logs in. Customers log in with their customer number as username."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=8, default="id")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    def can(self, capability: str) -> bool:
        return has_capability(self, capability)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def for_key(self, key: str) -> ApiToken | None:
        return (
            self.select_related("user").filter(key_hash=_hash(key), revoked_at__isnull=True).first()
        )


class ApiToken(models.Model):
    """A bearer token for a staff integration; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token and return it with its key, which is shown once and never stored."""
        key = "isp_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[4:12], key_hash=_hash(key))
        return token, key
