"""Personal data in accounts: the customer's portal login (decision 0019).

Anonymised: the names, email and phone on the user row; the password made unusable and
the account switched off. The username is the customer number (kept: it is the key the
financial records carry); one that is not is replaced by "anon-<id>"."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from ispcare.common.bulk import rows_update
from ispcare.common.privacy import ErasureBatch, Subject, plain, section_register

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
    # One read, then writes by primary key: per-customer CASE expressions over the batch
    # cost more to build than the 500 rows they change.
    found = batch.owned(User.objects.all(), batch.match(user="pk"), "username")
    counts: dict[int, int] = {}
    for subject, _row in found:
        counts[subject.customer_id] = counts.get(subject.customer_id, 0) + 1
    # One unusable hash for the batch: "!" + random, no password matches it.
    password = make_password(None)
    rows_update(
        [
            User(
                pk=row["pk"],
                first_name=subject.pseudonym,
                last_name="",
                email="",
                phone="",
                password=password,
                is_active=False,
            )
            for subject, row in found
        ],
        ["first_name", "last_name", "email", "phone", "password", "is_active"],
    )
    # A username that is not the customer number (it should be) may hold a name.
    usernames = {row["pk"]: row["username"] for _subject, row in found}
    odd = {
        s.user_id
        for s in batch.subjects.values()
        if s.user_id in usernames and usernames[s.user_id] != s.label
    }
    for pk in sorted(odd):
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
