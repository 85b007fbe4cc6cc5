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


@pytest.fixture(autouse=True)
def _socket_pool_connections_closed():
    """The sockets' database pool keeps a connection per thread (as in production); close
    them after each test, so the test database can be dropped at the end of the run."""
    yield
    import threading

    from django.db import connections

    from ispcare.helpdesk.consumers import DB_POOL, DB_THREADS

    barrier = threading.Barrier(DB_THREADS, timeout=10)

    def close() -> None:
        barrier.wait()  # one task per thread: every thread closes its own connection
        connections.close_all()

    for future in [DB_POOL.submit(close) for _ in range(DB_THREADS)]:
        future.result()
