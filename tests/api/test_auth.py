"""Tokens: 401 without a valid one, last_used_at, the management command, and the rule that
every operation names a capability (or is on the short public list)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ispcare.accounts.api_auth import BearerToken
from ispcare.accounts.models import ApiToken
from ispcare.accounts.roles import CAPABILITIES, Role
from ispcare.api import api
from tests import factories

from .support import MISSING_IDS, PROTECTED, assert_error, call, token_for

pytestmark = pytest.mark.django_db


def _revoked_key() -> str:
    token, key = ApiToken.issue(user=factories.staff_user(Role.ADMIN), name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    return key


def _inactive_key() -> str:
    return token_for(user=factories.staff_user(Role.ADMIN, is_active=False))


@pytest.mark.parametrize("endpoint", PROTECTED, ids=str)
@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(lambda: {}, id="no-token"),
        pytest.param(lambda: {"HTTP_AUTHORIZATION": "Bearer isp_not-a-key"}, id="unknown"),
        pytest.param(lambda: {"HTTP_AUTHORIZATION": f"Bearer {_revoked_key()}"}, id="revoked"),
        pytest.param(lambda: {"HTTP_AUTHORIZATION": f"Bearer {_inactive_key()}"}, id="inactive"),
        pytest.param(
            lambda: {"HTTP_AUTHORIZATION": f"Token {token_for(Role.ADMIN)}"}, id="wrong-scheme"
        ),
    ],
)
def test_without_a_valid_token_every_endpoint_is_401(client, endpoint, make_header):
    headers = make_header()
    before = factories.row_counts()
    response = call(
        client, endpoint.method, endpoint.url(MISSING_IDS), body=endpoint.bad_body, **headers
    )
    body = assert_error(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == "Bearer"
    assert body["fields"] == {}
    assert factories.row_counts() == before


def test_a_valid_token_works_and_a_revoked_one_stops_working(client):
    token, key = ApiToken.issue(user=factories.staff_user(Role.REGISTRATION), name="sync")
    assert call(client, "get", "/applications", key).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert_error(call(client, "get", "/applications", key), 401, "unauthenticated")


def test_last_used_at_is_written_at_most_once_a_minute(client):
    token, key = ApiToken.issue(user=factories.staff_user(Role.REGISTRATION), name="sync")
    assert token.last_used_at is None
    call(client, "get", "/applications", key)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=30)

    call(client, "get", "/applications", key)
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: not written again

    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    call(client, "get", "/applications", key)
    token.refresh_from_db()
    assert token.last_used_at > earlier + dt.timedelta(minutes=1)


def test_a_refused_token_is_still_marked_used(client):
    """A token used where its role may not go is recorded as used: it did authenticate."""
    token, key = ApiToken.issue(user=factories.staff_user(Role.TECHNICIAN), name="phone")
    assert_error(call(client, "get", "/applications", key), 403, "forbidden")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_api_token_create_prints_the_key_once_and_stores_only_its_hash(client):
    user = factories.staff_user(Role.FINANCE)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_token_create", username=user.username, name="bank sync", stdout=out, stderr=err
    )
    key = out.getvalue().strip()
    assert key.startswith("isp_") and "\n" not in key
    token = ApiToken.objects.get(user=user)
    assert token.name == "bank sync" and key not in token.key_hash and key not in err.getvalue()
    assert ApiToken.objects.for_key(key) == token
    # The key works for what finance may do, and only that.
    assert call(client, "get", "/customers/1/invoices", key).status_code == 404
    assert_error(call(client, "get", "/applications", key), 403, "forbidden")


@pytest.mark.parametrize(
    ("make_user", "name"),
    [
        (lambda: None, "x"),
        (lambda: factories.staff_user(Role.ADMIN, is_active=False), "x"),
        (lambda: factories.staff_user(Role.CUSTOMER), "x"),
        (lambda: factories.staff_user(Role.ADMIN), "   "),
    ],
    ids=["unknown-user", "inactive", "customer", "blank-name"],
)
def test_api_token_create_refuses(make_user, name):
    user = make_user()
    with pytest.raises(CommandError):
        call_command(
            "api_token_create",
            username=user.username if user else "nobody",
            name=name,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert ApiToken.objects.count() == 0


PUBLIC_OPERATIONS = {("POST", "/registrations")}


def test_every_operation_names_a_capability_or_is_public():
    """A new endpoint cannot ship without choosing its capability."""
    seen = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    key = (method, "/" + (prefix.strip("/") + path).lstrip("/"))
                    seen.add(key)
                    auths = op.auth_callbacks
                    if key in PUBLIC_OPERATIONS:
                        assert not auths, key
                        continue
                    assert len(auths) == 1 and isinstance(auths[0], BearerToken), key
                    assert auths[0].capability in CAPABILITIES, key
    assert seen >= PUBLIC_OPERATIONS and len(seen) >= 11


def test_an_unknown_capability_fails_at_import_time():
    with pytest.raises(KeyError):
        BearerToken("customers.delete_everything")


def test_each_token_is_rate_limited_on_its_own(client, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": (3, 60)}
    busy = token_for(Role.REGISTRATION)
    other = token_for(Role.REGISTRATION)
    codes = [call(client, "get", "/applications", busy).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    body = assert_error(call(client, "get", "/applications", busy), 429, "rate_limited")
    assert body["message"]
    assert call(client, "get", "/applications", other).status_code == 200  # its own budget
