"""sequence_next: monotonic, gap-free (a rollback gives the number back), per name."""

from __future__ import annotations

import pytest
from django.db import transaction

from ispcare.common.models import Sequence
from ispcare.common.sequences import sequence_next

pytestmark = pytest.mark.django_db


def _next(name: str = "test") -> int:
    with transaction.atomic():
        return sequence_next(name=name)


def test_first_value_is_one_and_values_follow_without_gaps():
    assert [_next() for _ in range(5)] == [1, 2, 3, 4, 5]
    assert Sequence.objects.get(name="test").value == 5


def test_sequences_are_independent_by_name():
    assert _next("a") == 1
    assert _next("a") == 2
    assert _next("b") == 1
    assert _next("a") == 3


def test_rolled_back_transaction_leaves_no_gap():
    assert _next() == 1

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        assert sequence_next(name="test") == 2
        raise Boom
    assert _next() == 2


def test_refuses_to_run_outside_a_transaction():
    # pytest-django wraps each test in a transaction; leave it to see autocommit behaviour.
    connection = transaction.get_connection()
    saved = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError):
            sequence_next(name="test")
    finally:
        connection.in_atomic_block = saved
    assert not Sequence.objects.filter(name="test").exists()
