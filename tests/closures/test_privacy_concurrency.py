"""Two workers running the anonymisation at once (real concurrent transactions on
PostgreSQL, each thread its own connection): every due customer is anonymised exactly
once, nobody fails, and the batches they skip are the ones the other holds."""

from __future__ import annotations

import pytest
from django.db import connection

from ispcare.closures.privacy import privacy_anonymise_due
from ispcare.common.models import PersonalDataErasure
from ispcare.customers.choices import EventKind
from ispcare.customers.models import Event
from tests.customers.test_concurrency import run_parallel

from .test_privacy_support import close, hits, person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions: runs in the PostgreSQL pass")


def test_two_workers_anonymise_each_customer_once(onboarding, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    names = ["Wiwik Sulastriningsih", "Bambang Triwahyudi", "Ratna Puspitasari", "Dedi Mulyadi"]
    people = [person(onboarding, n, f"Jl. Kenanga Nomor {i + 11}") for i, n in enumerate(names)]
    for p in people:
        close(p, days_ago=800)

    results = run_parallel([lambda: privacy_anonymise_due(batch=1) for _ in range(2)])

    assert all(ok for ok, _r in results), results
    assert sum(r for _ok, r in results) == len(people)
    assert PersonalDataErasure.objects.count() == len(people)
    assert Event.objects.filter(kind=EventKind.DATA_ANONYMISED).count() == len(people)
    for p in people:
        assert hits(p) == set()
