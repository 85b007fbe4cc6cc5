"""Staff pages: the outbox with failures and reasons, retry, bulk progress, announcements."""

from __future__ import annotations

import pytest

from ispcare.notifications import outbox
from ispcare.notifications.choices import BulkStatus, Status
from ispcare.notifications.models import BulkSend, Notification
from tests import factories
from tests.web import login, msgs

from .support import announce

pytestmark = pytest.mark.django_db


def test_outbox_lists_failures_with_their_reason(client):
    announce("ok")
    announce("bad", email="dewi@", name="Budi Gagal")
    login(client, "customer_service")
    html = client.get("/staff/messages/?status=failed").content.decode()
    assert "Budi Gagal" in html and "dewi@" in html and "Invalid address" not in html
    assert "bukan alamat email yang valid" in html  # the reason, in the staff's language
    assert "Dewi O&#x27;Brien" not in html  # the queued one is filtered out


def test_outbox_search_and_channel_filter(client):
    announce("a", name="Sari Dewanti", email="sari@example.id")
    announce("b", name="Joko", email="joko@example.id")
    login(client, "noc")
    html = client.get("/staff/messages/?q=sari&channel=email").content.decode()
    assert "Sari Dewanti" in html and "Joko" not in html


def test_outbox_pages_by_keyset(client):
    for i in range(55):
        announce(f"k{i}", email=f"u{i}@example.id")
    login(client, "manager")
    first = client.get("/staff/messages/")
    assert first.content.decode().count('class="chan chan-email"') == 50
    before = first.context["next_before"]
    second = client.get(f"/staff/messages/?before={before}")
    assert second.content.decode().count('class="chan chan-email"') == 5
    assert second.context["next_before"] is None
    assert client.get("/staff/messages/?before=abc").status_code == 200  # bad input ignored


def test_retry_requeues_a_failed_message(client, smtp):
    smtp.refuse.add("dewi@example.id")
    (row,) = announce("retry")
    outbox.drain("email")
    row.refresh_from_db()
    assert row.status == Status.FAILED
    login(client, "customer_service")
    smtp.refuse.clear()
    r = client.post(f"/staff/messages/{row.pk}/retry/")
    assert r.status_code == 302 and msgs(r)
    row.refresh_from_db()
    assert row.status in (Status.QUEUED, Status.SENT)
    outbox.drain("email")
    row.refresh_from_db()
    assert row.status == Status.SENT


def test_retry_of_an_invalid_address_is_refused_with_a_message(client):
    (row,) = announce("invalid", email="x@")
    login(client, "customer_service")
    r = client.post(f"/staff/messages/{row.pk}/retry/", follow=True)
    assert any("tidak valid" in m for m in msgs(r))
    row.refresh_from_db()
    assert row.status == Status.FAILED


def test_detail_shows_body_and_delivery_facts(client):
    (row,) = announce("detail")
    login(client, "finance")
    html = client.get(f"/staff/messages/{row.pk}/").content.decode()
    assert "Perbaikan sedang berjalan." in html and "dewi@example.id" in html
    assert "Kirim ulang" not in html  # finance may look, not act


# --- bulk sends and announcements ------------------------------------------------------------


@pytest.fixture
def customers(db):
    onboarding = factories.Onboarding()
    active = [onboarding.active()[0] for _ in range(3)]
    pending = onboarding.approved()[0]
    active[2].language = "en"
    active[2].notify_channels = "email"
    active[2].save()
    return active, pending


def test_announcement_reaches_the_chosen_customers_in_their_language(client, customers):
    active, _pending = customers
    login(client, "noc")
    count = client.get("/staff/announce/count/", {"states": ["active"]})
    assert "3" in count.content.decode()
    r = client.post(
        "/staff/announce/",
        {
            "states": ["active"],
            "subject_id": "Pemeliharaan jaringan",
            "body_id": "Layanan terganggu pukul 01.00-03.00 WIB.",
            "subject_en": "Network maintenance",
            "body_en": "Service interrupted 01:00-03:00 WIB.",
        },
    )
    bulk = BulkSend.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/staff/messages/bulk/{bulk.pk}/"
    assert bulk.total == 3 and bulk.created_by.role == "noc"
    rows = Notification.objects.filter(bulk=bulk).exclude(channel="inapp")
    assert {r.recipient_ref for r in rows} == {f"customer:{c.pk}" for c in active}
    english = rows.get(recipient_ref=f"customer:{active[2].pk}")
    assert english.subject == "Network maintenance" and english.body.startswith("Hello")
    assert rows.exclude(pk=english.pk).filter(subject="Pemeliharaan jaringan").count() == 2
    assert {r.user_id for r in rows} == {c.user_id for c in active}  # also in their portal


def test_announcement_form_errors_are_per_field(client, customers):
    login(client, "noc")
    r = client.post(
        "/staff/announce/",
        {"states": ["active"], "subject_id": "", "body_id": "x", "subject_en": "Only subject"},
    )
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert "subject_id" in errors and "body_en" in errors
    assert not BulkSend.objects.exists()


def test_announcement_to_nobody_is_refused(client, customers):
    login(client, "noc")
    r = client.post("/staff/announce/", {"states": ["isolated"], "subject_id": "x", "body_id": "y"})
    assert r.status_code == 200 and r.context["form"].non_field_errors()
    assert not BulkSend.objects.exists()


def test_bulk_progress_page_polls_while_running_and_stops_when_done(client, customers, smtp):
    login(client, "noc")
    client.post("/staff/announce/", {"states": ["active"], "subject_id": "x", "body_id": "y"})
    bulk = BulkSend.objects.get()
    bulk.refresh_from_db()
    if bulk.status == BulkStatus.DONE:  # the test worker ran it already
        Notification.objects.filter(bulk=bulk).exclude(channel="inapp").update(status=Status.QUEUED)
        BulkSend.objects.filter(pk=bulk.pk).update(status=BulkStatus.RUNNING)
    page = client.get(f"/staff/messages/bulk/{bulk.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and 'role="progressbar"' in page
    assert 'data-count="queued">3<' in page
    client.post(f"/staff/messages/bulk/{bulk.pk}/pause/")
    partial = client.get(f"/staff/messages/bulk/{bulk.pk}/progress/").content.decode()
    assert 'data-count="held">3<' in partial and "Lanjutkan" in partial
    client.post(f"/staff/messages/bulk/{bulk.pk}/resume/")
    outbox.drain("email")
    done = client.get(f"/staff/messages/bulk/{bulk.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' not in done and 'data-count="sent">3<' in done
    assert "100%" in done


def test_bulk_list_shows_progress_bars(client):
    from ispcare.notifications.services import bulk_send_create

    from .support import SAMPLE, recipient

    bulk_send_create(
        title="Gangguan Sleman", template="announcement", recipients=[recipient()], context=SAMPLE
    )
    login(client, "manager")
    html = client.get("/staff/messages/bulk/").content.decode()
    assert "Gangguan Sleman" in html and 'role="progressbar"' in html


def test_outbox_filtered_to_one_bulk_send(client):
    from ispcare.notifications.services import bulk_send_create

    from .support import SAMPLE, recipient

    announce("single", name="Bukan Massal")
    bulk = bulk_send_create(
        title="Gangguan Depok",
        template="announcement",
        recipients=[
            recipient(name="Anggota Massal", ref="customer:5"),
            recipient(email="x@", ref="customer:6"),
        ],
        context=SAMPLE,
    )
    login(client, "noc")
    r = client.get(f"/staff/messages/?bulk={bulk.pk}")
    html = r.content.decode()
    assert "Anggota Massal" in html and "Bukan Massal" not in html and "Gangguan Depok" in html
    assert {t["value"]: t["count"] for t in r.context["tabs"]}["failed"] == 1
    failed = client.get(f"/staff/messages/?bulk={bulk.pk}&status=failed").content.decode()
    assert "x@" in failed and "Anggota Massal" not in failed
    assert client.get("/staff/messages/?bulk=99999999").status_code == 200  # unknown: unfiltered


def test_announcement_to_everyone_behind_one_router(client, customers):
    from ispcare.customers.models import Subscription
    from ispcare.network.models import Node
    from tests.network.support import nas

    active, _pending = customers
    router = nas("10.10.0.1").node
    olt = Node.objects.create(name="OLT Depok", kind="olt", parent=router)
    other = nas("10.10.0.2").node
    Subscription.objects.filter(customer=active[0]).update(node=olt)  # below the router
    Subscription.objects.filter(customer=active[1]).update(node=router)  # on the router
    Subscription.objects.filter(customer=active[2]).update(node=other)  # elsewhere
    login(client, "noc")
    count = client.get("/staff/announce/count/", {"states": ["active"], "node": router.pk})
    assert "2" in count.content.decode()
    client.post(
        "/staff/announce/",
        {"states": ["active"], "node": router.pk, "subject_id": "Router mati", "body_id": "Maaf."},
    )
    bulk = BulkSend.objects.get()
    refs = set(bulk.notifications.values_list("recipient_ref", flat=True))
    assert refs == {f"customer:{active[0].pk}", f"customer:{active[1].pk}"}
    assert router.name in bulk.audience
