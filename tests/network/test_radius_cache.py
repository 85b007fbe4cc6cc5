"""The Redis read path's values (network.radius_cache, decision 0014) against a real Redis
at 127.0.0.1:6379: written by the FreeRADIUS adapter after its commit, forgotten before
it, never replaced by a value computed from older rows, and absent when Redis is not
configured. Skipped without Redis (an error under ISPCARE_REQUIRE_ALL=1)."""

from __future__ import annotations

import os
import uuid

import pytest

from ispcare.network import radius_cache
from ispcare.network.adapters import BackendError
from ispcare.network.adapters.freeradius import FreeRadiusBackend
from ispcare.network.groups import GroupSpec, groups_sync
from ispcare.network.models import RadReply
from ispcare.network.services import access_import
from ispcare.network.specs import AccessState
from tests.conftest import require

from .support import plan_groups, spec

pytestmark = pytest.mark.django_db
URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def cache(settings):
    import redis

    client = redis.Redis.from_url(URL, socket_connect_timeout=2, decode_responses=True)
    try:
        client.ping()
    except redis.RedisError as exc:
        require(False, f"Redis not reachable at {URL}: {exc}")
    prefix = f"radius-cache-test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    settings.RADIUS_CACHE_URL = URL
    settings.RADIUS_CACHE_PREFIX = prefix
    yield lambda username: client.get(f"{prefix}u:{username}")
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)


def _fields(value: str) -> tuple[tuple[int, int], str]:
    ids, rest = value.split("|", 1)
    check_id, group_id = ids.split(".")
    return (int(check_id), int(group_id)), rest


def test_each_apply_writes_the_state_freeradius_answers_with(cache):
    plan_groups()
    backend = FreeRadiusBackend()
    backend.provision(spec("vn1", password="pw-1"))
    assert _fields(cache("vn1"))[1] == "A|20M/20M|||pw-1"
    backend.isolate(spec("vn1", AccessState.ISOLATED, password="pw-1"))
    assert _fields(cache("vn1"))[1] == "A|256k/256k|isolir||pw-1"
    backend.disable(spec("vn1", AccessState.DISABLED))
    assert _fields(cache("vn1"))[1] == "R"
    backend.restore(spec("vn1", password="pw-2"))
    assert _fields(cache("vn1"))[1] == "A|20M/20M|||pw-2"
    backend.deprovision("vn1")
    assert _fields(cache("vn1"))[1] == "X"  # a miss: SQL finds no rows, rejects


def test_a_value_from_older_rows_never_replaces_a_newer_one(cache):
    """A refresh computed before another writer's commit (a refill, a plan change)
    arriving after that writer's own refresh or tombstone changes nothing."""
    plan_groups()
    backend = FreeRadiusBackend()
    backend.provision(spec("vn2", password="old"))
    stale = radius_cache.values(["vn2"])["vn2"]
    backend.isolate(spec("vn2", AccessState.ISOLATED, password="old"))
    fresh = cache("vn2")
    radius_cache._scripts()[1](keys=[radius_cache.key("vn2")], args=list(stale))
    assert cache("vn2") == fresh
    # While a writer is between its forget and its commit, a value from the rows as they
    # still are does not replace the tombstone.
    radius_cache.forget(["vn2"])
    now = radius_cache.values(["vn2"])["vn2"]
    radius_cache._scripts()[1](keys=[radius_cache.key("vn2")], args=list(now))
    assert _fields(cache("vn2"))[1] == "X"


def test_a_new_plan_rate_reaches_every_members_value(cache):
    plan_groups()
    backend = FreeRadiusBackend()
    for name in ("vn3", "vn4"):
        backend.provision(spec(name, password="pw"))
    groups_sync(groups=[GroupSpec("rumah-20", {"Mikrotik-Rate-Limit": "30M/30M"})])
    assert _fields(cache("vn3"))[1] == "A|30M/30M|||pw"
    assert _fields(cache("vn4"))[1] == "A|30M/30M|||pw"


def test_what_the_value_cannot_carry_is_left_to_sql(cache):
    plan_groups()
    backend = FreeRadiusBackend()
    backend.provision(spec("vn5", password="pw"))
    RadReply.objects.create(username="vn5", attribute="Framed-IP-Address", op=":=", value="1.2.3.4")
    radius_cache.refresh(["vn5"])
    assert _fields(cache("vn5"))[1] == "X"
    backend.provision(spec("vn+6", password="pw"))  # a name the redis expansion can't take
    assert _fields(cache("vn+6"))[1] == "X"


def test_import_writes_the_values(cache):
    plan_groups()
    assert access_import(specs=[spec("vn7", password="a"), spec("vn8", AccessState.ISOLATED)])
    assert _fields(cache("vn7"))[1] == "A|20M/20M|||a"
    assert _fields(cache("vn8"))[1] == "A|256k/256k|isolir||rahasia-ppp"
    assert radius_cache.fill_if_empty() == 2  # no marker yet: every subscriber
    assert radius_cache.fill_if_empty() == 0


def test_redis_unreachable_leaves_the_rows_untouched(cache, settings):
    plan_groups()
    backend = FreeRadiusBackend()
    backend.provision(spec("vn9", password="pw"))
    settings.RADIUS_CACHE_URL = "redis://127.0.0.1:1/0"
    with pytest.raises(BackendError, match="RADIUS cache"):
        backend.isolate(spec("vn9", AccessState.ISOLATED, password="pw"))
    from ispcare.network.models import RadUserGroup

    assert list(
        RadUserGroup.objects.filter(username="vn9").values_list("groupname", flat=True)
    ) == ["rumah-20"]


def test_no_cache_configured_writes_nothing(settings):
    settings.RADIUS_CACHE_URL = ""
    plan_groups()
    FreeRadiusBackend().provision(spec("vn10"))  # no Redis needed
    assert not radius_cache.enabled()
