"""The environment for running ISPcare in a child process as a person would run it."""

from __future__ import annotations

import os

# Switches only a test run sets; a child process started by a test must not inherit them
# (PYTEST_VERSION alone makes settings.TESTING true).
TEST_ONLY = (
    "ISPCARE_TESTING",
    "PYTEST_VERSION",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
)


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without the test switches and without DATABASE_URL/REDIS_URL, plus `extra`."""
    skip = {"DATABASE_URL", "REDIS_URL", *TEST_ONLY}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env.update(extra)
    return env
