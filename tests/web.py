"""Helpers for tests that drive pages through Django's test client."""

from __future__ import annotations

from django.contrib.messages import get_messages

from tests import factories


def login(client, role_or_user):
    """Log in a fresh staff user of `role_or_user`, or that user; return the user."""
    user = factories.staff_user(role_or_user) if isinstance(role_or_user, str) else role_or_user
    client.force_login(user)
    return user


def msgs(response) -> list[str]:
    """The flash messages of a response."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_pages_by_role(client, pages: dict[str, tuple[list, list]]) -> None:
    """pages: url -> (roles that get 200, roles that get 403)."""
    for url, (allowed, denied) in pages.items():
        for role in allowed:
            login(client, role)
            assert client.get(url).status_code == 200, (url, role)
        for role in denied:
            login(client, role)
            assert client.get(url).status_code == 403, (url, role)
