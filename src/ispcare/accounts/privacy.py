"""Personal data in accounts: the customer's portal login (decision 0019).

Anonymised: the names, email and phone on the user row; the password made unusable and
the account switched off. The username is the customer number (kept: it is the key the
financial records carry); one that is not is replaced by "anon-<id>"."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.common.privacy import ErasureBatch, Subject, count_by, plain, section_register

from .models import User

TABLE = "accounts.User"


def export(subject: Subject) -> dict[str, Any]:
    user = User.objects.filter(pk=subject.user_id).first() if subject.user_id else None
    if user is None:
        return {}
    return {
        "account": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "language": user.language,
            "date_joined": plain(user.date_joined),
            "last_login": plain(user.last_login),
        }
    }


def anonymise(batch: ErasureBatch) -> dict[str, dict[int, int]]:
    owner = batch.owner(user="pk")
    rows = User.objects.filter(batch.q(user="pk"))
    counts = count_by(rows, owner)
    rows.update(
        first_name=batch.per_subject(lambda s: s.pseudonym, user="pk"),
        last_name="",
        email="",
        phone="",
        # One unusable hash for the batch: "!" + random, no password matches it.
        password=make_password(None),
        is_active=False,
    )
    # A username that is not the customer number (it should be) may hold a name.
    odd = Q(pk__in=[])
    for s in batch.subjects.values():
        if s.user_id:
            odd |= Q(pk=s.user_id) & ~Q(username=s.label)
    for pk in User.objects.filter(odd).values_list("pk", flat=True):
        User.objects.filter(pk=pk).update(username=f"anon-{pk}")
    return {TABLE: counts}


def register() -> None:
    section_register(
        name="accounts",
        label=_("Portal account"),
        order=10,
        exporter=export,
        anonymiser=anonymise,
        columns={TABLE: ("first_name", "last_name", "email", "phone", "password", "is_active")},
    )
