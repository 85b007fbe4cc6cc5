"""Desired vs applied access, with FreeRADIUS's tables as the backend."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from ispcare.network.choices import ApplyStatus
from ispcare.network.groups import groups_sync
from ispcare.network.models import (
    AccessBackendState,
    RadCheck,
    RadGroupReply,
    RadNas,
    RadUserGroup,
    SubscriberAccess,
)
from ispcare.network.services import access_apply, access_apply_due, access_set, nas_sync

from .support import nas, plan_groups, spec

pytestmark = pytest.mark.django_db


def _radius(username: str) -> tuple[set, set]:
    checks = set(RadCheck.objects.filter(username=username).values_list("attribute", "op", "value"))
    groups = set(RadUserGroup.objects.filter(username=username).values_list("groupname", flat=True))
    return checks, groups


def _state(username: str) -> AccessBackendState:
    return AccessBackendState.objects.get(access__username=username, backend="freeradius")


def test_a_change_is_recorded_pending_and_applied_after_commit(django_capture_on_commit_callbacks):
    plan_groups()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        access_set(spec=spec())
    row = _state("vn261200001")
    assert row.status == ApplyStatus.PENDING and row.pending_since and row.applied_version == 0
    assert _radius("vn261200001") == (set(), set())  # nothing on the network before commit
    assert len(callbacks) == 1
    callbacks[0]()
    row.refresh_from_db()
    assert row.status == ApplyStatus.APPLIED and row.applied_version == 1
    assert _radius("vn261200001") == (
        {("Cleartext-Password", ":=", "rahasia-ppp")},
        {"rumah-20"},
    )


def test_isolated_gets_the_isolir_group_and_disabled_is_rejected():
    plan_groups()
    access_set(spec=spec(state="isolated"))
    assert access_apply(username="vn261200001", backend="freeradius")
    assert _radius("vn261200001")[1] == {"isolir"}
    isolir = dict(
        RadGroupReply.objects.filter(groupname="isolir").values_list("attribute", "value")
    )
    assert isolir == {"Mikrotik-Rate-Limit": "256k/256k", "Mikrotik-Address-List": "isolir"}
    access_set(spec=spec(state="disabled"))
    access_apply(username="vn261200001", backend="freeradius")
    assert _radius("vn261200001") == ({("Auth-Type", ":=", "Reject")}, set())


def test_the_same_desire_twice_changes_nothing_and_apply_is_idempotent():
    plan_groups()
    first = access_set(spec=spec())
    again = access_set(spec=spec())
    assert again.version == first.version == 1
    access_apply(username="vn261200001", backend="freeradius")
    access_apply(username="vn261200001", backend="freeradius")
    assert RadCheck.objects.count() == 1 and RadUserGroup.objects.count() == 1


def test_a_plan_without_attributes_is_refused_recorded_and_retried():
    access_set(spec=spec(profile="plan-tanpa-atribut"))
    assert access_apply(username="vn261200001", backend="freeradius") is False
    row = _state("vn261200001")
    assert row.status == ApplyStatus.PENDING and row.attempts == 1
    assert "plan-tanpa-atribut" in row.last_error and row.next_attempt_at > timezone.now()
    assert _radius("vn261200001") == (set(), set())  # never let in without limits
    from ispcare.network.groups import GroupSpec

    groups_sync(groups=[GroupSpec("plan-tanpa-atribut", {"Mikrotik-Rate-Limit": "5M/5M"})])
    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    assert access_apply_due(backend="freeradius") == 1
    assert _state("vn261200001").status == ApplyStatus.APPLIED


def test_radius_database_down_leaves_the_change_pending_with_the_error():
    plan_groups()
    access_set(spec=spec())
    down = OperationalError('connection to server at "radius-db" failed: Connection refused')
    with mock.patch.object(RadCheck.objects, "using", side_effect=down):
        assert access_apply(username="vn261200001", backend="freeradius") is False
    row = _state("vn261200001")
    assert row.status == ApplyStatus.PENDING and "Connection refused" in row.last_error
    assert SubscriberAccess.objects.get().state == "active"  # the desire is kept
    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    assert access_apply_due(backend="freeradius") == 1


def test_a_newer_desire_during_apply_keeps_it_pending():
    plan_groups()
    access_set(spec=spec())
    from ispcare.network.adapters import freeradius

    real = freeradius.FreeRadiusBackend._write

    def racing(self, s):
        real(self, s)
        access_set(spec=spec(state="isolated"))  # staff act while the worker applies

    with mock.patch.object(freeradius.FreeRadiusBackend, "_write", racing):
        access_apply(username="vn261200001", backend="freeradius")
    row = _state("vn261200001")
    assert row.status == ApplyStatus.PENDING and row.applied_version == 1
    access_apply(username="vn261200001", backend="freeradius")
    assert _state("vn261200001").applied_version == 2 and _radius("vn261200001")[1] == {"isolir"}


def test_plan_groups_sync_replaces_only_the_named_groups():
    RadGroupReply.objects.create(groupname="lain", attribute="Session-Timeout", op=":=", value="60")
    plan_groups()
    plan_groups()
    rows = set(RadGroupReply.objects.values_list("groupname", "attribute", "value"))
    assert ("rumah-20", "Mikrotik-Rate-Limit", "20M/20M") in rows
    assert ("lain", "Session-Timeout", "60") in rows
    assert len(rows) == 4 and RadGroupReply.objects.count() == 4


def test_nas_records_become_freeradius_clients():
    nas("10.10.0.1", secret="s3cret")
    RadNas.objects.create(nasname="192.0.2.9", shortname="manual", secret="x")  # not ours
    assert nas_sync() == 1
    assert nas_sync() == 1
    ours = RadNas.objects.get(description__startswith="ispcare:")
    assert (ours.nasname, ours.secret, ours.type) == ("10.10.0.1", "s3cret", "mikrotik")
    assert RadNas.objects.filter(nasname="192.0.2.9").exists()


def test_import_puts_many_subscribers_on_the_network_at_once():
    from ispcare.network.services import access_import

    plan_groups()
    specs = [
        spec(f"vn2612{i:05d}", state=("active", "isolated", "disabled")[i % 3]) for i in range(30)
    ]
    assert access_import(specs=specs) == 30
    assert access_import(specs=specs) == 0  # already known
    assert RadCheck.objects.count() == 30 and RadUserGroup.objects.count() == 20
    assert set(RadUserGroup.objects.values_list("groupname", flat=True)) == {"rumah-20", "isolir"}
    assert not AccessBackendState.objects.filter(status=ApplyStatus.PENDING).exists()
    # And they are ordinary subscribers afterwards: a change goes through the usual path.
    access_set(spec=spec("vn261200000", state="isolated"))
    access_apply(username="vn261200000", backend="freeradius")
    assert _radius("vn261200000")[1] == {"isolir"}
    from ispcare.network.groups import GroupSpec
    from ispcare.network.reconcile import reconcile

    assert (
        reconcile(groups=[GroupSpec("rumah-20", {"Mikrotik-Rate-Limit": "20M/20M"})]).drifted == 0
    )


def test_the_sweep_works_through_a_backlog_batch_after_batch():
    plan_groups()
    for i in range(7):
        access_set(spec=spec(f"vn2612{i:05d}"))
    assert access_apply_due(backend="freeradius", batch=3) == 7
    assert not AccessBackendState.objects.filter(status=ApplyStatus.PENDING).exists()


def test_group_attributes_are_the_ones_freeradius_passes_on():
    """The shipped FreeRADIUS config copies a fixed list of reply attributes (decision
    0012): ISPcare refuses others, and the list here and in the config are the same."""
    import re
    from pathlib import Path

    from ispcare.network.groups import REPLY_ATTRIBUTES, GroupSpec

    with pytest.raises(ValueError, match="Reply-Message"):
        groups_sync(groups=[GroupSpec("x", {"Reply-Message": "hi"})])
    site = Path(__file__).resolve().parents[2] / "deploy/freeradius/sites-enabled/default"
    copied = set(re.findall(r"&([\w-]+) \+= &control:\1\[\*\]", site.read_text()))
    assert copied == REPLY_ATTRIBUTES
