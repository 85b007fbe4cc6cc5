"""Reconcile: drift in FreeRADIUS's tables is found set-based and repaired by the apply path."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ispcare.network.choices import ApplyStatus
from ispcare.network.groups import GroupSpec
from ispcare.network.models import AccessBackendState, RadCheck, RadGroupReply, RadUserGroup
from ispcare.network.reconcile import reconcile
from ispcare.network.services import access_apply, access_apply_due, access_set

from .support import plan_groups, spec

pytestmark = pytest.mark.django_db
GROUPS = [GroupSpec("rumah-20", {"Mikrotik-Rate-Limit": "20M/20M"})]


def _applied(n: int, state: str = "active") -> list[str]:
    plan_groups()
    names = [f"vn2612{i:05d}" for i in range(n)]
    for name in names:
        access_set(spec=spec(name, state=state))
        access_apply(username=name, backend="freeradius")
    return names


def test_no_drift_nothing_marked():
    _applied(3)
    result = reconcile(groups=GROUPS)
    assert (result.checked, result.drifted) == (3, 0)


def test_hand_edits_are_found_and_repaired():
    a, b, c = _applied(3)
    RadCheck.objects.filter(username=a).update(value="diubah-manual")  # password changed by hand
    RadUserGroup.objects.filter(username=b).delete()  # group row lost
    RadCheck.objects.create(username=c, attribute="Simultaneous-Use", op=":=", value="5")
    result = reconcile(groups=GROUPS)
    assert result.drifted == 3
    states = AccessBackendState.objects.filter(status=ApplyStatus.PENDING)
    assert {s.access.username for s in states} == {a, b, c}
    assert all("drift" in s.last_error for s in states)
    assert access_apply_due(backend="freeradius") == 3
    assert reconcile(groups=GROUPS).drifted == 0
    assert RadCheck.objects.get(username=a).value == "rahasia-ppp"


def test_queries_do_not_grow_with_subscribers():
    _applied(4)
    with CaptureQueriesContext(connection) as few:
        reconcile(groups=GROUPS)
    _applied(40)
    with CaptureQueriesContext(connection) as many:
        reconcile(groups=GROUPS)
    assert len(many) == len(few)


def test_groups_and_the_command():
    RadGroupReply.objects.all().delete()
    call_command("network_sync", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert RadGroupReply.objects.filter(groupname="isolir").count() == 2
