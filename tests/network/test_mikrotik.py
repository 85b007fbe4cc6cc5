"""MikroTik RouterOS API backend against the RouterOS API stand-in (a protocol-level double)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ispcare.network.choices import ApplyStatus
from ispcare.network.models import AccessBackendState
from ispcare.network.services import access_apply, access_apply_due, access_set
from tests.doubles.routeros import RouterOSStandIn

from .support import nas, spec

pytestmark = pytest.mark.django_db
USER = "vn261200001"


@pytest.fixture
def router(settings):
    settings.NETWORK = {**settings.NETWORK, "backends": ["mikrotik"]}
    with RouterOSStandIn(profiles=("default", "rumah-20", "isolir")) as ros:
        nas("127.0.0.1", api_port=ros.port, api_username=ros.username, api_password=ros.password)
        yield ros


def _apply(state: str) -> bool:
    access_set(spec=spec(USER, state=state, nas="127.0.0.1"))
    return access_apply(username=USER, backend="mikrotik")


def test_active_provisions_the_ppp_secret_with_the_plan_profile(router):
    assert _apply("active")
    secret = router.secrets[USER]
    assert (secret["profile"], secret["password"], secret["service"]) == (
        "rumah-20",
        "rahasia-ppp",
        "pppoe",
    )
    assert secret["disabled"] == "false"
    assert _apply("active")  # applying again adds nothing
    assert len(router.secrets) == 1


def test_isolating_lists_the_online_address_and_restoring_unlists_and_drops_it(router):
    _apply("active")
    router.add_active(USER, "10.20.0.7")
    assert _apply("isolated")
    assert router.secrets[USER]["profile"] == "isolir"
    assert [(e["list"], e["address"], e.get("comment")) for e in router.address_lists] == [
        ("isolir", "10.20.0.7", USER)
    ]
    assert len(router.active) == 1  # the redirect works on the open session
    assert _apply("active")
    assert router.address_lists == [] and router.active == []  # re-login with the plan
    assert router.secrets[USER]["profile"] == "rumah-20"


def test_disabling_disables_the_secret_and_drops_the_session(router):
    _apply("active")
    router.add_active(USER, "10.20.0.8")
    assert _apply("disabled")
    assert router.secrets[USER]["disabled"] == "true" and router.active == []


def test_a_router_that_refuses_is_recorded_and_retried(router):
    router.fail_next("failure: timeout while waiting for remote", times=2)
    assert _apply("active") is False
    row = AccessBackendState.objects.get(backend="mikrotik")
    assert row.status == ApplyStatus.PENDING and "timeout while waiting" in row.last_error
    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    access_apply_due(backend="mikrotik")  # second refusal
    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    assert access_apply_due(backend="mikrotik") == 1
    assert router.secrets[USER]["profile"] == "rumah-20"


def test_a_router_that_is_down_or_rejects_the_login_keeps_the_change(router):
    router.stop()
    assert _apply("active") is False
    assert "127.0.0.1" in AccessBackendState.objects.get().last_error
    router.start()
    from ispcare.network.models import Nas

    Nas.objects.update(api_password="salah")
    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    assert access_apply_due(backend="mikrotik") == 0
    assert "invalid user name or password" in AccessBackendState.objects.get().last_error
    Nas.objects.update(api_password=router.password)
    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    assert access_apply_due(backend="mikrotik") == 1


def test_a_dropped_connection_mid_change_is_retried(router):
    router.drop_next()
    assert _apply("active") is False
    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    assert access_apply_due(backend="mikrotik") == 1


def test_no_router_for_the_subscriber_is_an_error_to_fix(settings):
    settings.NETWORK = {**settings.NETWORK, "backends": ["mikrotik"]}
    access_set(spec=spec(USER, nas=""))
    assert access_apply(username=USER, backend="mikrotik") is False
    assert "no router" in AccessBackendState.objects.get().last_error


def test_two_backends_at_once(router, settings):
    from .support import plan_groups

    settings.NETWORK = {**settings.NETWORK, "backends": ["freeradius", "mikrotik"]}
    plan_groups()
    access_set(spec=spec(USER, nas="127.0.0.1"))
    from ispcare.network.tasks import access_apply_task

    result = access_apply_task.call_local(USER)
    assert result == {"freeradius": True, "mikrotik": True}
    assert set(AccessBackendState.objects.values_list("backend", "status")) == {
        ("freeradius", "applied"),
        ("mikrotik", "applied"),
    }


@pytest.mark.django_db(transaction=True)
def test_a_router_that_is_down_never_blocks_the_counter(client, settings):
    """Finance records a deposit while the only router is unreachable: the page works, the
    service is active in ISPcare, the change waits for the router and shows why."""
    from django.urls import reverse

    from ispcare.billing.models import Invoice
    from tests import factories
    from tests.web import login

    settings.NETWORK = {**settings.NETWORK, "backends": ["mikrotik"]}
    with RouterOSStandIn(profiles=("default", "rumah-20", "isolir")) as ros:
        router = nas(
            "127.0.0.1", api_port=ros.port, api_username=ros.username, api_password=ros.password
        )
        onboarding = factories.Onboarding()
        _customer, sub, order = onboarding.scheduled()
        ros.profiles.append(sub.plan.radius_profile)  # the router has the plan's profile
        sub.node = router.node
        sub.save(update_fields=["node"])
        device = factories.equipment()
        from ispcare.workorders.services import installation_complete

        installation_complete(
            work_order_id=order.pk,
            actor=onboarding.technician,
            serials=[device.serial],
            amount=sub.plan.installation_fee,
            method="cash",
            receipt_number="KW-DOWN-1",
        )
        assert ros.secrets[sub.pppoe_username]["profile"] == "isolir"
        ros.stop()  # the router goes away
        login(client, onboarding.finance)
        deposit = Invoice.objects.get(subscription=sub, kind="deposit")
        response = client.post(
            reverse("billing:payment_create", args=[deposit.pk]),
            {"amount": str(deposit.amount), "method": "bank_transfer", "reference": "TRF-DOWN"},
        )
        assert response.status_code == 302
        sub.refresh_from_db()
        assert sub.state == "active"
        row = AccessBackendState.objects.get(access__username=sub.pppoe_username)
        assert row.status == ApplyStatus.PENDING and "127.0.0.1" in row.last_error
        ros.start()  # back: the sweep applies it
        AccessBackendState.objects.update(next_attempt_at=timezone.now())
        applied = access_apply_due(backend="mikrotik")
        assert applied == 1, AccessBackendState.objects.get().last_error
        assert ros.secrets[sub.pppoe_username]["profile"] == sub.plan.radius_profile


def test_the_reconcile_finds_hand_edits_on_the_router_and_the_apply_repairs_them(router):
    """Drift on the router (no RADIUS): a profile changed by hand, a secret deleted, an
    active subscriber left on the isolir list. The periodic reconcile marks exactly those
    pending; the normal apply writes them back; a second reconcile finds nothing."""
    from ispcare.network.groups import GroupSpec
    from ispcare.network.reconcile import reconcile

    users = [f"vn2612000{i:02d}" for i in range(4)]
    for u in users:
        access_set(spec=spec(u, nas="127.0.0.1"))
        assert access_apply(username=u, backend="mikrotik")
    router.secrets[users[0]]["profile"] = "default"
    del router.secrets[users[1]]
    router.address_lists.append({"list": "isolir", "address": "10.20.0.9", "comment": users[2]})

    result = reconcile(groups=[GroupSpec("rumah-20", {"Mikrotik-Rate-Limit": "20M/20M"})])
    assert (result.checked, result.drifted, result.routers_unreachable) == (4, 3, 0)
    pending = dict(
        AccessBackendState.objects.filter(backend="mikrotik").values_list(
            "access__username", "status"
        )
    )
    assert pending == {
        users[0]: ApplyStatus.PENDING,
        users[1]: ApplyStatus.PENDING,
        users[2]: ApplyStatus.PENDING,
        users[3]: ApplyStatus.APPLIED,
    }
    assert all(
        e.startswith("drift: router 127.0.0.1")
        for e in AccessBackendState.objects.filter(status=ApplyStatus.PENDING).values_list(
            "last_error", flat=True
        )
    )

    assert access_apply_due(backend="mikrotik") == 3
    assert {router.secrets[u]["profile"] for u in users} == {"rumah-20"}
    assert router.address_lists == []
    assert reconcile(groups=[]).drifted == 0


def test_the_reconcile_leaves_an_isolated_subscriber_off_the_list_alone(router):
    """An isolated subscriber is on the isolir list only while online: not listed is not
    drift, a wrong profile is."""
    from ispcare.network.reconcile import reconcile

    assert _apply("isolated")
    assert router.address_lists == []
    assert reconcile(groups=[]).drifted == 0
    router.secrets[USER]["profile"] = "rumah-20"
    assert reconcile(groups=[]).drifted == 1


def test_a_router_that_is_down_is_counted_not_fatal_for_the_reconcile(router):
    from ispcare.network.reconcile import reconcile

    assert _apply("active")
    router.stop()
    result = reconcile(groups=[])
    assert (result.routers_unreachable, result.checked, result.drifted) == (1, 0, 0)
    assert AccessBackendState.objects.get(backend="mikrotik").status == ApplyStatus.APPLIED
