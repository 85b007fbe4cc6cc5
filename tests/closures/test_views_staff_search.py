"""The closing queue's search: a whole customer or request number is an exact lookup (any
case, over every request with status=all); any other text still matches part of a number
or of the customer's name."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from ispcare.closures import services
from ispcare.closures.models import Closure
from ispcare.customers.models import Customer
from ispcare.customers.numbers import number_as_stored

from .support import request

pytestmark = pytest.mark.django_db


def _found(client, **query) -> list[int]:
    r = client.get(reverse("closures:queue"), query)
    assert r.status_code == 200
    return [c.pk for c in r.context["page"]]


@pytest.fixture
def three(onboarding, closing, client):
    """Requests of three customers: `mine` (two requests, one cancelled), `longer` whose
    customer and request numbers contain mine's, and `other`."""
    mine_c, mine_s = onboarding.active()
    longer_c, longer_s = onboarding.active()
    other_c, other_s = onboarding.active()
    old = request(mine_s, mine_c.user, days=3)
    services.closure_cancel(closure_id=old.pk, actor=mine_c.user)
    mine = request(mine_s, mine_c.user, days=10)
    longer = request(longer_s, longer_c.user, days=5)
    other = request(other_s, other_c.user, days=6)
    Customer.objects.filter(pk=longer_c.pk).update(number=mine_c.number + "7")
    Closure.objects.filter(pk=longer.pk).update(number=mine.number + "7")
    Customer.objects.filter(pk=other_c.pk).update(full_name="Sri Wahyuningsih")
    client.force_login(closing)
    return mine_c, old, mine, longer, other


def test_a_customer_number_finds_exactly_that_customers_requests(client, three):
    customer, old, mine, longer, _ = three
    assert _found(client, q=customer.number) == [mine.pk]  # open ones by default
    assert _found(client, q=customer.number, status="all") == [old.pk, mine.pk]
    # Typed in lower case, with spaces around: the same customer, not the longer number.
    assert _found(client, q=f"  {customer.number.lower()} ", status="all") == [old.pk, mine.pk]
    longer_number = Customer.objects.get(pk=longer.customer_id).number
    assert _found(client, q=longer_number, status="all") == [longer.pk]


def test_a_request_number_finds_exactly_that_request(client, three):
    _, old, mine, longer, _ = three
    assert _found(client, q=mine.number, status="all") == [mine.pk]
    assert _found(client, q=old.number.lower(), status="all") == [old.pk]
    assert _found(client, q=old.number) == []  # cancelled: not in the open tab
    assert _found(client, q=mine.number + "7", status="all") == [longer.pk]


def test_a_number_nobody_has_finds_nothing(client, three):
    customer, *_ = three
    prefix, yymm, _seq = customer.number.split("-")
    assert _found(client, q=f"{prefix}-{yymm}-99999", status="all") == []
    assert _found(client, q="TRM/1999/00001", status="all") == []


def test_other_text_still_matches_part_of_a_name_or_a_number(client, three):
    customer, old, mine, longer, other = three
    assert _found(client, q="wahyu", status="all") == [other.pk]
    assert _found(client, q=customer.full_name.split()[0].upper(), status="all") == [
        c.pk
        for c in Closure.objects.filter(
            customer__full_name__icontains=customer.full_name.split()[0]
        ).order_by("end_date", "id")
    ]
    # Part of a number (not a whole one) matches as a substring, as before.
    part = customer.number[:-1]
    assert number_as_stored("VN-{yymm}-{seq:05d}", part) is None
    assert set(_found(client, q=part, status="all")) >= {old.pk, mine.pk, longer.pk}
    assert _found(client, q=mine.number.split("/", 1)[1], status="all") == [longer.pk, mine.pk]


@pytest.mark.parametrize("q", ["%", "_", "VN-", "TRM/", "x" * 300, "VN-2612-00001' OR 1=1--"])
def test_odd_terms_are_plain_text(client, three, q):
    found = _found(client, q=q, status="all")
    expected = [
        c.pk
        for c in Closure.objects.filter(number__icontains=q[:100])
        | Closure.objects.filter(customer__number__icontains=q[:100])
        | Closure.objects.filter(customer__full_name__icontains=q[:100])
    ]
    assert sorted(found) == sorted(set(expected))


@override_settings(CUSTOMER_NUMBER_FORMAT="PLG{seq:06d}")
def test_the_shape_follows_the_configured_format(client, three):
    customer, old, mine, *_ = three
    Customer.objects.filter(pk=customer.pk).update(number="PLG000042")
    assert _found(client, q="plg000042", status="all") == [old.pk, mine.pk]
    assert number_as_stored("PLG{seq:06d}", "PLG00042") is None  # shorter than the padding


@pytest.mark.parametrize(
    ("fmt", "term", "stored"),
    [
        ("VN-{yymm}-{seq:05d}", "vn-2612-00001", "VN-2612-00001"),
        ("VN-{yymm}-{seq:05d}", "VN-2612-123456", "VN-2612-123456"),  # outgrew the padding
        ("VN-{yymm}-{seq:05d}", "VN-2612-0001", None),
        ("VN-{yymm}-{seq:05d}", "VN-2612-00001 x", None),
        ("VN-{yymm}-{seq:05d}", "VN-٢٦١٢-00001", None),  # digits of another script
        ("TRM/{year}/{seq:05d}", " trm/2026/00012 ", "TRM/2026/00012"),
        ("TRM/{year}/{seq:05d}", "TRM.2026.00012", None),  # the dots are not wildcards
    ],
)
def test_number_as_stored(fmt, term, stored):
    assert number_as_stored(fmt, term) == stored
