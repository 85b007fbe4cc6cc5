"""Loaded by the Huey consumer's autodiscovery: brings in the periodic schedule."""

from ispcare import jobs  # noqa: F401
