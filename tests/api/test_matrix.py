"""Every role on every endpoint, with roles.has_capability as the oracle.

A role with the capability gets past auth: a read answers 200, a write with a bad body
answers 422 (so nothing is written). A role without it gets 403 "forbidden", decided before
the body is read: the same bad body does not turn into a 422. The public registration
answers every role (and no token) alike.
"""

from __future__ import annotations

import pytest

from ispcare.accounts.roles import Role, has_capability
from tests import factories

from .support import ENDPOINTS, assert_error, call, token_for, world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_role_matrix(client, onboarding, role, endpoint):
    ids = world(onboarding)
    user = factories.staff_user(role)
    key = token_for(user=user)
    before = factories.row_counts()
    response = call(client, endpoint.method, endpoint.url(ids), key, endpoint.bad_body)
    allowed = endpoint.capability is None or has_capability(user, endpoint.capability)
    if not allowed:
        assert_error(response, 403, "forbidden")
    elif endpoint.method == "get":
        assert response.status_code == 200, (role, str(endpoint), response.content)
    else:
        assert_error(response, 422, "validation_error")
    assert factories.row_counts() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.capability is None], ids=str)
def test_public_endpoints_need_no_token(client, endpoint):
    assert_error(
        call(client, endpoint.method, endpoint.path, body=endpoint.bad_body),
        422,
        "validation_error",
    )


def test_the_matrix_covers_every_capability_an_endpoint_uses():
    from ispcare.accounts.roles import CAPABILITIES

    used = {e.capability for e in ENDPOINTS if e.capability}
    assert used <= set(CAPABILITIES)
    # Some role is refused somewhere, and every capability lets some role in.
    assert all(any(r in CAPABILITIES[c] for r in Role) for c in used)
    assert any(r not in CAPABILITIES[c] for c in used for r in Role)
