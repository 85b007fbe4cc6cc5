"""Customers of one anonymisation batch whose values overlap (a household email on two
records) and a customer without a phone: each row is found once, goes to one of them
(its pseudonym and its count in the erasure log agree), nothing of theirs is left.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from ispcare.accounts.models import User
from ispcare.closures.privacy import privacy_anonymise_due
from ispcare.common.models import PersonalDataErasure
from ispcare.common.privacy import REDACTED, pseudonym_for
from ispcare.customers.models import Customer
from ispcare.notifications.models import Notification

from .test_privacy_support import close, hits, person

pytestmark = pytest.mark.django_db


def _rows_logged(customer) -> int:
    record = PersonalDataErasure.objects.get(subject="customer", subject_id=customer.pk)
    # The notifications section's, and the helpdesk's (sent under a ticket's reference).
    return sum(
        tables.get("notifications.Notification", {}).get("rows", 0)
        for tables in record.fields.values()
    )


def test_a_shared_email_and_a_customer_without_a_phone(
    onboarding, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVACY_RETENTION_DAYS = 730
    ani = person(onboarding, "Wiwik Sulastriningsih", "Jl. Cendana Wangi No. 17")
    budi = person(onboarding, "Bambang Triwahyudi", "Jl. Cendana Wangi No. 17")
    dedi = person(onboarding, "Dedi Mulyadi", "Jl. Kenanga No. 2")
    # The household's one address on both records, and a notice to it.
    Customer.objects.filter(pk=budi.customer.pk).update(email=ani.email)
    shared = Notification.objects.create(
        channel="email",
        to=ani.email,
        template_key="invoice_issued",
        subject="Tagihan",
        body=f"Halo {ani.name}",
        note=f"Dikirim ke {ani.email}",
        status="queued",
    )
    # No phone on the record or the account.
    Customer.objects.filter(pk=dedi.customer.pk).update(phone="")
    User.objects.filter(pk=dedi.customer.user_id).update(phone="")
    for p in (ani, budi, dedi):
        close(p, days_ago=800)

    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_anonymise_due() == 3

    for p in (ani, budi):
        assert hits(p) == set(), f"{p.name}: personal values left behind"
    pseudonyms = {
        pseudonym_for(Customer.objects.get(pk=p.customer.pk).number): p for p in (ani, budi)
    }
    shared.refresh_from_db()
    assert shared.recipient_name in pseudonyms and shared.to == shared.recipient_name
    assert shared.status == "cancelled" and shared.next_attempt_at is None
    assert shared.body == REDACTED and ani.email not in shared.note
    # Every message counted once, to the customer whose pseudonym it now carries (the
    # first of the batch it is found by: a message to the shared address, whoever's
    # account it went to, is one customer's).
    for pseudonym, p in pseudonyms.items():
        assert (
            _rows_logged(p.customer)
            == Notification.objects.filter(recipient_name=pseudonym).count()
        )
    # The customer without a phone: anonymised like the others.
    customer = Customer.objects.get(pk=dedi.customer.pk)
    assert customer.full_name == pseudonym_for(customer.number) and customer.email == ""
    assert set(
        Notification.objects.filter(recipient_ref=f"customer:{customer.pk}").values_list(
            "body", flat=True
        )
    ) == {REDACTED}
