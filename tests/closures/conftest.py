"""Closing fixtures: an active subscriber with one ONT, the closing team, a manager."""

from __future__ import annotations

import pytest

from ispcare.accounts.roles import Role
from ispcare.closures.models import EquipmentPrice
from tests import factories


@pytest.fixture
def subscriber(onboarding):
    """(customer, subscription) of an active subscriber whose deposit is paid."""
    return onboarding.active()


@pytest.fixture
def closing(db):
    return factories.staff_user(Role.CLOSING)


@pytest.fixture
def manager(db):
    return factories.staff_user(Role.MANAGER)


@pytest.fixture
def prices(db):
    """The price list: an ONT costs 300,000 if damaged, 750,000 if missing."""
    return [
        EquipmentPrice.objects.create(kind="ont", damaged_charge=300_000, missing_charge=750_000),
        EquipmentPrice.objects.create(
            kind="router", damaged_charge=150_000, missing_charge=400_000
        ),
    ]
