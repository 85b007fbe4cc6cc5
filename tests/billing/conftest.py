import pytest


@pytest.fixture
def finance_user(onboarding):
    return onboarding.finance


@pytest.fixture
def manager_user(db):
    from ispcare.accounts.roles import Role
    from tests.factories import staff_user

    return staff_user(Role.MANAGER)
