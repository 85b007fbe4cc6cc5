"""The access state of a subscriber, enforced by a real FreeRADIUS reading ISPcare's tables.

PostgreSQL pass only: FreeRADIUS connects to the test database Django created (the
tables made by ISPcare's migrations, not by FreeRADIUS's schema file), so the test runs
with real commits (transactional_db). The subscriber goes through the SOP with the
worker inline (Huey immediate mode): installed -> isolated until the deposit, deposit
paid -> active with the plan's rate limit, closed -> rejected; and a state change while
a session is open reaches a test NAS as a CoA-Request. With the Redis read path on
(decision 0014): ISPcare writes each subscriber's value, FreeRADIUS answers from it.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from pyrad import packet

from ispcare.billing.models import Invoice
from ispcare.billing.services import payment_record
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.network import plan_groups
from ispcare.network.choices import CoaStatus
from ispcare.network.groups import groups_sync
from ispcare.network.models import CoaRequest, RadPostAuth
from ispcare.network.services import nas_sync
from tests import factories
from tests.conftest import require
from tests.doubles.nas import TestNas
from tests.integration.freeradius import FREERADIUS, FreeRadiusServer, access_request, accounting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SECRET = "nas-secret"


@pytest.fixture
def radius(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (FreeRADIUS reads the PostgreSQL test database)")
    require(
        Path(FREERADIUS).exists() or bool(shutil.which("freeradius")),
        "freeradius not installed (apt-get install freeradius freeradius-postgresql)",
    )
    settings.NETWORK = {**settings.NETWORK, "backends": ["freeradius"], "coa_timeout": 1.0}
    import redis

    cache = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2)
    try:
        cache.ping()
    except redis.RedisError as exc:
        require(False, f"Redis not reachable at 127.0.0.1:6379: {exc}")
    prefix = f"radius-enforce-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    settings.RADIUS_CACHE_URL = "redis://127.0.0.1:6379/0"
    settings.RADIUS_CACHE_PREFIX = prefix
    db = connection.settings_dict
    with TestNas(secret=SECRET) as nas_listener:
        # The NAS first: FreeRADIUS reads its client list (the nas table) at start.
        from tests.network.support import nas

        nas("127.0.0.1", secret=SECRET, coa_port=nas_listener.port)
        nas_sync()
        groups_sync(groups=plan_groups())
        server = FreeRadiusServer(
            db_host=db.get("HOST") or "127.0.0.1",
            db_port=int(db.get("PORT") or 5432),
            db_name=db["NAME"],
            db_user=db.get("USER") or "postgres",
            db_password=db.get("PASSWORD") or "",
            workdir=tmp_path,
            redis_prefix=prefix,
        )
        with server:
            server.nas = nas_listener
            server.cache = lambda username: cache.get(f"{prefix}u:{username}")
            yield server
    keys = list(cache.scan_iter(match=prefix + "*"))
    if keys:
        cache.delete(*keys)


def _login(server, sub, password=None):
    return access_request(
        server.auth_port,
        username=sub.pppoe_username,
        password=password or sub.pppoe_password,
        secret=SECRET,
    )


def test_the_sop_on_a_real_radius_server(radius):
    onboarding = factories.Onboarding()
    _customer, sub = onboarding.installed()  # awaiting the deposit: isolated
    groups_sync(groups=plan_groups())  # the factory's plan was made after the fixture's sync

    verdict, attrs = _login(radius, sub)
    assert verdict == "accept"
    assert attrs["Mikrotik-Address-List"] == ["isolir"]
    assert attrs["Mikrotik-Rate-Limit"] == ["256k/256k"]
    assert _login(radius, sub, password="salah")[0] == "reject"
    assert b"|A|256k/256k|isolir|" in radius.cache(sub.pppoe_username)  # answered from Redis

    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    payment_record(
        invoice_id=deposit.pk,
        amount=deposit.amount,
        method="bank_transfer",
        actor=onboarding.finance,
        reference="TRF-1",
    )
    sub.refresh_from_db()
    assert sub.state == "active"
    verdict, attrs = _login(radius, sub)  # the very next request sees the new state
    assert verdict == "accept" and "Mikrotik-Address-List" not in attrs
    speed = sub.plan.speed_mbps
    assert attrs["Mikrotik-Rate-Limit"] == [f"{speed}M/{speed}M"]

    assert f"|A|{speed}M/{speed}M|||".encode() in radius.cache(sub.pppoe_username)

    subscription_transition(subscription_id=sub.pk, action="close", actor=None, reason="berhenti")
    assert _login(radius, sub)[0] == "reject"
    # radpostauth is written by FreeRADIUS's post-auth reader about a second after each
    # answer (deploy/freeradius, decision 0012): wait for it.
    deadline = time.monotonic() + 15
    while True:
        replies = list(
            RadPostAuth.objects.filter(username=sub.pppoe_username).values_list("reply", flat=True)
        )
        if len(replies) >= 4 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert replies.count("Access-Accept") == 2 and replies.count("Access-Reject") == 2


def test_a_state_change_during_a_session_reaches_the_nas(radius):
    onboarding = factories.Onboarding()
    _customer, sub = onboarding.active()
    groups_sync(groups=plan_groups())
    # The activation waited for the plan's group (made after the fixture's sync): the
    # sweep applies it now, as the worker's minute job would.
    from django.utils import timezone

    from ispcare.network.models import AccessBackendState
    from ispcare.network.services import access_apply_due

    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    assert access_apply_due(backend="freeradius") == 1
    assert _login(radius, sub)[0] == "accept"
    assert accounting(
        radius.acct_port,
        username=sub.pppoe_username,
        session_id="81a0001f",
        status="Start",
        secret=SECRET,
        framed_ip="10.20.0.9",
    )
    subscription_transition(
        subscription_id=sub.pk, action="isolate", actor=None, reason="tunggakan"
    )
    (request,) = CoaRequest.objects.all()
    assert request.status == CoaStatus.ACK  # sent by the worker after the commit
    (got,) = radius.nas.received
    assert got["code"] == packet.CoARequest
    attrs = got["attributes"]
    assert attrs["User-Name"] == [sub.pppoe_username]
    assert attrs["Acct-Session-Id"] == ["81a0001f"] and attrs["Framed-IP-Address"] == ["10.20.0.9"]
    assert attrs["Mikrotik-Address-List"] == ["isolir"]
    # And the next login (after the router drops the session) gets the isolir attributes.
    assert _login(radius, sub)[1]["Mikrotik-Address-List"] == ["isolir"]
