"""Staff network page, the connection panel on customer pages, and the isolir page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.customers.lifecycle import subscription_transition
from ispcare.network.models import AccessBackendState, CoaRequest, RadAcct
from ispcare.network.selectors import month_start
from ispcare.network.services import access_set
from tests.web import login

from .support import nas, spec

pytestmark = pytest.mark.django_db


def _session(username: str, ip: str = "10.20.0.7", **kw) -> RadAcct:
    return RadAcct.objects.create(
        acctsessionid=kw.pop("sid", "s1"),
        acctuniqueid=kw.pop("uid", f"u-{username}-{ip}"),
        username=username,
        nasipaddress="127.0.0.1",
        framedipaddress=ip,
        acctstarttime=kw.pop("start", timezone.now() - dt.timedelta(minutes=30)),
        **kw,
    )


def test_overview_lists_what_is_pending_with_the_error_and_retries(
    client, django_capture_on_commit_callbacks
):
    access_set(spec=spec(profile="tanpa-grup"))  # will fail: the group has no attributes
    from ispcare.network.services import access_apply

    access_apply(username="vn261200001", backend="freeradius")
    nas("10.10.0.1")
    login(client, "noc")
    html = client.get("/staff/network/").content.decode()
    assert "vn261200001" in html and "tanpa-grup" in html and "10.10.0.1" in html
    assert 'data-count="pending">1<' in html
    row = AccessBackendState.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client.post(f"/staff/network/pending/{row.pk}/retry/")
    assert r.status_code == 302 and len(callbacks) == 1
    row.refresh_from_db()
    assert row.next_attempt_at <= timezone.now()


def test_overview_shows_coa_answers(client):
    CoaRequest.objects.create(
        username="vn261200009",
        nas_address="10.10.0.1",
        session_id="a1",
        kind="coa",
        state="isolated",
        status="failed",
        attempts=8,
        last_error="no answer from 10.10.0.1:3799",
    )
    login(client, "noc")
    html = client.get("/staff/network/").content.decode()
    assert "vn261200009" in html and "no answer from 10.10.0.1" in html
    assert 'data-count="coa-problems">1<' in html


def test_customer_pages_show_online_status_usage_and_sessions(client, onboarding):
    customer, sub = onboarding.active()
    _session(
        sub.pppoe_username,
        sid="old",
        uid="old",
        start=month_start(),  # this month, whatever day the test runs
        acctstoptime=month_start() + dt.timedelta(seconds=1),
        acctinputoctets=2_000_000,
        acctoutputoctets=50_000_000,
        acctterminatecause="User-Request",
    )
    _session(
        sub.pppoe_username, "10.20.0.99", acctinputoctets=1_000_000, acctoutputoctets=3_000_000
    )
    login(client, "customer_service")
    html = client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert "Online" in html and "10.20.0.99" in html and "User-Request" in html
    assert "↓ 50,5\xa0MB" in html  # this month: 47.7 + 2.9 MiB over both sessions
    client.force_login(customer.user)
    portal = client.get("/portal/").content.decode()
    assert "10.20.0.99" in portal and "User-Request" not in portal  # staff detail only


@pytest.fixture
def isolated(onboarding):
    customer, sub = onboarding.installed()  # awaiting the deposit: isolated
    return customer, sub


def test_isolir_page_finds_the_subscriber_by_the_session_address(client, isolated):
    customer, sub = isolated
    _session(sub.pppoe_username, "10.20.0.50")
    html = client.get("/isolir/", REMOTE_ADDR="10.20.0.50").content.decode()
    from ispcare.billing.models import Invoice

    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    assert customer.number in html and f'data-total="{deposit.amount}"' in html  # what is due
    assert customer.full_name not in html and customer.nik not in html  # nothing personal
    assert "BNI" in html  # how to pay


def test_isolir_page_asks_for_the_customer_number_otherwise(client, isolated):
    customer, _sub = isolated
    page = client.get("/isolir/", REMOTE_ADDR="192.0.2.1").content.decode()
    assert 'name="number"' in page and customer.number not in page
    found = client.post("/isolir/", {"number": customer.number.lower()}, REMOTE_ADDR="192.0.2.1")
    assert customer.number in found.content.decode()
    missing = client.post("/isolir/", {"number": "VN-0000-00000"}, REMOTE_ADDR="192.0.2.1")
    assert "errorlist" in missing.content.decode()


def test_isolir_page_for_an_active_subscriber_says_it_is_not_paused(client, onboarding):
    _customer, sub = onboarding.active()
    _session(sub.pppoe_username, "10.20.0.60")
    html = client.get("/isolir/", REMOTE_ADDR="10.20.0.60").content.decode()
    assert "tidak dijeda" in html or "not paused" in html


def test_isolir_lookups_are_rate_limited(client, settings, isolated):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "isolir_lookup": (2, 600)}
    codes = [client.post("/isolir/", {"number": f"VN-{i}"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_the_lifecycle_drives_freeradius_through_the_outbox_of_changes(
    onboarding, django_capture_on_commit_callbacks
):
    from ispcare.customers.network import plan_groups
    from ispcare.network.groups import groups_sync
    from ispcare.network.models import RadUserGroup

    groups_sync(groups=plan_groups())
    with django_capture_on_commit_callbacks(execute=True):
        _customer, sub = onboarding.installed()
    assert set(
        RadUserGroup.objects.filter(username=sub.pppoe_username).values_list("groupname", flat=True)
    ) == {"isolir"}
    with django_capture_on_commit_callbacks(execute=True):
        subscription_transition(
            subscription_id=sub.pk, action="close", actor=None, reason="berhenti"
        )
    assert not RadUserGroup.objects.filter(username=sub.pppoe_username).exists()
    from ispcare.network.models import RadCheck

    assert RadCheck.objects.get(username=sub.pppoe_username).value == "Reject"


def test_overview_shows_the_tree_with_subscribers_and_online_counts(client):
    from ispcare.network.models import Node

    router_nas = nas("10.10.0.1")
    olt = Node.objects.create(name="OLT Depok", kind="olt", parent=router_nas.node)
    for i, state in enumerate(("active", "isolated", "disabled")):
        access_set(spec=spec(f"vn26120000{i}", state=state, node=olt.pk, nas="10.10.0.1"))
    RadAcct.objects.create(
        acctsessionid="y",
        acctuniqueid="y",
        username="vn261200000",
        nasipaddress="10.10.0.1",
        acctstarttime=timezone.now(),
    )
    _session("vn-elsewhere", "10.20.0.1", sid="x1", uid="x1")  # on another NAS (127.0.0.1)
    login(client, "noc")
    response = client.get("/staff/network/")
    (pop,) = response.context["tree"]
    (router,) = pop.children
    assert (pop.subscribers, router.subscribers, router.online) == (2, 2, 1)  # disabled not counted
    assert router.children[0].node == olt and router.children[0].subscribers == 2
    html = response.content.decode()
    assert "OLT Depok" in html and "2 pelanggan" in html


def test_session_history_pages_for_staff_and_the_customer(client, onboarding):
    customer, sub = onboarding.active()
    base = month_start()
    for i in range(55):  # 55 sessions: two pages of 50
        _session(
            sub.pppoe_username,
            f"10.20.1.{i}",
            sid=f"s{i}",
            uid=f"h{i}",
            start=base + dt.timedelta(minutes=i),
            acctstoptime=base + dt.timedelta(minutes=i, seconds=30),
        )
    _other, other_sub = onboarding.active()
    _session(other_sub.pppoe_username, "10.99.0.1", sid="o1", uid="o1")
    login(client, "customer_service")
    first = client.get(f"/staff/subscriptions/{sub.pk}/sessions/")
    assert len(first.context["rows"]) == 50 and first.context["older"]
    assert "10.20.1.54" in first.content.decode()  # newest first, addresses for staff
    older = client.get(
        f"/staff/subscriptions/{sub.pk}/sessions/", {"before": first.context["older"]}
    )
    assert len(older.context["rows"]) == 5 and not older.context["older"]
    assert (
        client.get(f"/staff/subscriptions/{sub.pk}/sessions/", {"before": "nonsense"}).status_code
        == 200
    )
    client.force_login(customer.user)
    mine = client.get("/portal/sessions/").content.decode()
    assert "10.99.0.1" not in mine and "10.20.1.54" not in mine  # no addresses, no one else's
    assert mine.count("<tr>") == 51  # header + 50 sessions


def test_noc_builds_the_tree_and_registers_a_router(client, django_capture_on_commit_callbacks):
    from ispcare.network.models import Nas, Node, RadNas

    login(client, "noc")
    assert client.get("/staff/network/nodes/new/").status_code == 200
    r = client.post("/staff/network/nodes/new/", {"node-name": "POP Depok", "node-kind": "pop"})
    assert r.status_code == 302
    pop = Node.objects.get(name="POP Depok")
    # A router without its RADIUS details is refused field by field, nothing saved.
    with django_capture_on_commit_callbacks(execute=True):  # FreeRADIUS's list after commit
        r = client.post(
            "/staff/network/nodes/new/",
            {
                "node-name": "RB Depok",
                "node-kind": "router",
                "node-parent": pop.pk,
                "nas-secret": "short",
            },
        )
    assert r.status_code == 200
    assert {"address", "secret"} <= set(r.context["nas_form"].errors)
    assert not Node.objects.filter(name="RB Depok").exists()
    with django_capture_on_commit_callbacks(execute=True):  # FreeRADIUS's list after commit
        r = client.post(
            "/staff/network/nodes/new/",
            {
                "node-name": "RB Depok",
                "node-kind": "router",
                "node-parent": pop.pk,
                "nas-address": "10.10.1.1",
                "nas-secret": "rahasia-radius",
                "nas-coa_port": "3799",
                "nas-vendor": "mikrotik",
                "nas-api_port": "8728",
            },
        )
    assert r.status_code == 302
    router = Node.objects.get(name="RB Depok")
    assert router.nas.address == "10.10.1.1"
    assert RadNas.objects.filter(nasname="10.10.1.1", secret="rahasia-radius").exists()
    # An OLT below a POP is refused (an OLT hangs below a router); a loop is refused too.
    r = client.post(
        "/staff/network/nodes/new/",
        {"node-name": "OLT X", "node-kind": "olt", "node-parent": pop.pk},
    )
    assert r.status_code == 200 and "parent" in r.context["form"].errors
    r = client.post(
        f"/staff/network/nodes/{pop.pk}/",
        {"node-name": "POP Depok", "node-kind": "pop", "node-parent": router.pk},
    )
    assert r.status_code == 200 and "parent" in r.context["form"].errors
    assert Nas.objects.count() == 1


def test_only_network_managers_edit_the_tree(client):
    login(client, "customer_service")
    assert client.get("/staff/network/nodes/new/").status_code == 403


def test_noc_moves_a_subscriber_to_another_olt(
    client, onboarding, django_capture_on_commit_callbacks
):
    from ispcare.customers.models import Event
    from ispcare.network.models import Node, SubscriberAccess

    customer, sub = onboarding.active()
    a = nas("10.10.0.1")
    b = nas("10.10.0.2")
    olt_a = Node.objects.create(name="OLT A", kind="olt", parent=a.node)
    olt_b = Node.objects.create(name="OLT B", kind="olt", parent=b.node)
    login(client, "noc")
    page = client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert "OLT A" in page and f'action="/staff/subscriptions/{sub.pk}/node/"' in page
    client.post(f"/staff/subscriptions/{sub.pk}/node/", {"node": olt_a.pk})
    client.post(f"/staff/subscriptions/{sub.pk}/node/", {"node": olt_b.pk})
    sub.refresh_from_db()
    access = SubscriberAccess.objects.get(username=sub.pppoe_username)
    assert sub.node == olt_b and access.node == olt_b and access.nas == b  # the NAS followed
    assert Event.objects.filter(subscription=sub, kind="node_changed").count() == 2
    r = client.post(f"/staff/subscriptions/{sub.pk}/node/", {"node": "999999"}, follow=True)
    assert "titik jaringan" in r.content.decode()
    sub.refresh_from_db()
    assert sub.node == olt_b
    login(client, "customer_service")  # may see the page, not move subscribers
    assert (
        client.post(f"/staff/subscriptions/{sub.pk}/node/", {"node": olt_a.pk}).status_code == 403
    )
