"""Shared fixtures. Servers a suite needs are found or the suite is skipped with the reason
printed; under ISPCARE_REQUIRE_ALL=1 (CI) a missing server fails the run instead."""

from __future__ import annotations

import os

os.environ.setdefault("ISPCARE_TESTING", "1")
os.environ.setdefault("RATE_LIMITS_ENABLED", "0")

import pytest

from tests import factories

REQUIRE_ALL = os.environ.get("ISPCARE_REQUIRE_ALL") == "1"


def require(condition: bool, reason: str) -> None:
    """Skip (printing why) when a server is missing; fail instead under ISPCARE_REQUIRE_ALL=1."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required server missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _english_off(settings):
    settings.LANGUAGE_CODE = "id"


@pytest.fixture
def plan(db):
    return factories.PlanFactory()


@pytest.fixture
def staff(db):
    """staff("finance") -> a user of that role."""
    return factories.staff_user


@pytest.fixture
def onboarding(db):
    return factories.Onboarding()


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e is a browser test (run in its own pass by make test)."""
    for item in items:
        if "/tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
