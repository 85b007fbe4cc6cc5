"""Helpdesk fixtures: an active subscriber, a customer-service agent, a technician."""

from __future__ import annotations

import pytest

from ispcare.accounts.roles import Role
from tests import factories


@pytest.fixture
def subscriber(onboarding):
    """(customer, subscription) of an active subscriber."""
    return onboarding.active()


@pytest.fixture
def agent(db):
    return factories.staff_user(Role.CUSTOMER_SERVICE)


@pytest.fixture
def supervisor(db):
    return factories.staff_user(Role.MANAGER)


@pytest.fixture
def technician(onboarding):
    return onboarding.technician
