"""ErasureBatch merges every customer's lookups into one `IN` list per column and finds
whose each row is in Python: the same rows, and the same owner, as one OR and one CASE
branch per customer (the first customer of the batch whose lookups hold), also when two
customers share a value, when one has no phone or account, and for lookups of other
shapes (which keep the per-customer OR)."""

from __future__ import annotations

import pytest
from django.db.models import Q

from ispcare.accounts.roles import Role
from ispcare.common.privacy import ErasureBatch, Subject
from ispcare.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def _message(**kw) -> Notification:
    return Notification.objects.create(
        channel=kw.pop("channel", "email"), template_key="t", subject="s", body="b", **kw
    )


def _per_customer(batch: ErasureBatch, match) -> dict[int, int]:
    """What the batch gave before: one OR and one CASE branch per customer."""
    q = Q(pk__in=[])
    for subject in batch.subjects.values():
        if sq := match(subject):
            q |= sq
    return dict(
        Notification.objects.filter(q)
        .annotate(_owner=batch.owner_of(match))
        .values_list("pk", "_owner")
    )


@pytest.fixture
def batch():
    ani = factories.staff_user(Role.CUSTOMER_SERVICE)
    budi = factories.staff_user(Role.CUSTOMER_SERVICE)
    subjects = [
        Subject(
            customer_id=10,
            label="C10",
            pseudonym="ANON-TEN",
            user_id=ani.pk,
            refs=("customer:10",),
            phones=("+6281234567890",),
            emails=("rumah@example.id",),
        ),
        # Shares the household email with the first; no phone.
        Subject(
            customer_id=20,
            label="C20",
            pseudonym="ANON-TWENTY",
            user_id=budi.pk,
            refs=("customer:20", "application:7"),
            emails=("rumah@example.id", "budi@example.id"),
        ),
        # No account, no phone, no email: found by reference only.
        Subject(customer_id=30, label="C30", pseudonym="ANON-THIRTY", refs=("customer:30",)),
    ]
    return ErasureBatch(subjects), ani, budi


def _no_case(monkeypatch):
    """Owners found from the values in Python: the per-customer CASE is not built."""

    def fail(*_a, **_kw):
        raise AssertionError("per-customer CASE used")

    monkeypatch.setattr(ErasureBatch, "owner_of", fail)


def test_the_same_rows_and_owners_as_one_or_per_customer(batch, monkeypatch):
    batch, _ani, budi = batch
    shared = _message(to="rumah@example.id")  # both have it: the first of the batch
    crossed = _message(user=budi, to="081234567890", channel="whatsapp")  # budi's, ani's phone
    by_ref = _message(recipient_ref="application:7", to="lain@example.id")
    third = _message(recipient_ref="customer:30", to="")
    phone_62 = _message(to="6281234567890", channel="whatsapp")
    _message(to="orang.lain@example.id")  # nobody's
    _message(recipient_ref="customer:300")  # nobody's: not a prefix match
    match = batch.match(user="user_id", ref="recipient_ref", address="to")
    before = _per_customer(batch, match)
    _no_case(monkeypatch)

    owners = batch.owners(Notification.objects.all(), match)

    assert owners == before
    assert owners == {
        shared.pk: 10,
        crossed.pk: 10,  # the first customer whose lookups hold, as the CASE gives it
        by_ref.pk: 20,
        third.pk: 30,
        phone_62.pk: 10,
    }
    # One IN list per column for the whole batch, not one group per customer.
    sql = str(Notification.objects.filter(batch.any(match)).query)
    assert sql.count(" IN (") == 3
    # The rows come with the columns asked for.
    found = {
        row["pk"]: (s.customer_id, row["to"])
        for s, row in batch.owned(Notification.objects.all(), match, "to")
    }
    assert found[crossed.pk] == (10, "081234567890")


def test_conditions_the_same_for_everyone_and_values_given_as_text(batch, monkeypatch):
    batch, ani, _budi = batch
    visitor = _message(to="rumah@example.id")  # no account on the row
    with_account = _message(user=ani, to="budi@example.id")
    # Found by its id only: its address is the first customer's, but it has an account.
    by_id = _message(user=ani, to="rumah@example.id")

    def match(s: Subject) -> Q:
        q = Q(user__isnull=True, to__in=s.emails)  # the same condition for everyone
        if s.customer_id == 20:
            q |= Q(pk=str(by_id.pk))  # text for an integer column, as Django takes it
        return q

    before = _per_customer(batch, match)
    _no_case(monkeypatch)
    owners = batch.owners(Notification.objects.all(), match)

    assert owners == before == {visitor.pk: 10, by_id.pk: 20}
    assert with_account.pk not in owners


def test_lookups_of_another_shape_keep_the_per_customer_or(batch):
    batch, _ani, _budi = batch
    one = _message(to="RUMAH@example.id")
    two = _message(to="budi@example.id", note="x")

    def match(s: Subject) -> Q:
        q = Q()
        for email in s.emails:
            q |= Q(to__iexact=email)
        return q

    owners = batch.owners(Notification.objects.all(), match)

    assert owners == _per_customer(batch, match) == {one.pk: 10, two.pk: 20}
    assert set(Notification.objects.filter(batch.any(match)).values_list("pk", flat=True)) == {
        one.pk,
        two.pk,
    }


def test_an_empty_batch_or_no_values_match_no_row(batch):
    _batch, _ani, _budi = batch
    _message(to="")
    _message(recipient_ref="")
    empty = ErasureBatch([])
    match = empty.match(ref="recipient_ref", address="to")
    assert not Notification.objects.filter(empty.any(match)).exists()
    assert empty.owners(Notification.objects.all(), match) == {}
    nobody = ErasureBatch([Subject(customer_id=1, label="C1", pseudonym="ANON-1")])
    match = nobody.match(user="user_id", ref="recipient_ref", address="to")
    assert not Notification.objects.filter(nobody.any(match)).exists()
    assert nobody.owners(Notification.objects.all(), lambda s: Q()) == {}
