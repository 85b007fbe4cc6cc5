"""The notification staff pages and the customer's message settings in a real browser, on a
phone and on a desktop: the outbox with its status chips and failure reasons, one message,
a new announcement whose progress page updates by itself (htmx polling) while the worker
sends, the template editor's live preview, and the portal's "email only" choice."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ispcare.accounts.roles import Role
from ispcare.customers.models import Customer
from ispcare.notifications import outbox, tasks
from ispcare.notifications.choices import BulkStatus, Status
from ispcare.notifications.models import BulkSend, Notification
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot
from tests.notifications.support import announce

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "rahasia-Kuat-2026"


def staff_pages(new_page, role: str, **names):
    """A desktop and a phone, both logged in as one new staff member of `role`."""
    user = factories.staff_user(role, **names)
    pages = {}
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport)
        login(page, user.username, f"pass-{role}")
        pages[label] = page
    return pages["desktop"], pages["phone"]


def worker_off(monkeypatch) -> list[str]:
    """No background worker: under test settings Huey runs the drain task at once, on
    commit; here rows stay queued until the test drains the outbox itself."""
    kicked: list[str] = []
    monkeypatch.setattr(tasks, "outbox_drain", kicked.append)
    return kicked


def chip(page, status: str):
    """The status filter chip (status "" is "All")."""
    css = f".filters a.st-{status}" if status else ".filters a.st-"
    return page.locator(css)


def test_outbox_shows_status_counts_and_failure_reasons(new_page, monkeypatch):
    worker_off(monkeypatch)
    for i, name in enumerate(("Rudi Hartono", "Wati Susanti", "Yanto Purnomo")):
        announce(f"sent-{i}", name=name, email=f"pelanggan{i}@example.id")
    assert outbox.drain("email").sent == 3
    (queued,) = announce("queued", name="Sari Dewanti", email="sari@example.id")
    (failed,) = announce("invalid", name="Budi Gagal", email="dewi@")
    assert (queued.status, failed.status) == (Status.QUEUED, Status.FAILED)

    desk, phone = staff_pages(new_page, Role.CUSTOMER_SERVICE, first_name="Maya")
    for page in (desk, phone):
        page.goto(reverse("notifications:outbox"))
        expect(page.get_by_role("heading", name="Pesan ke pelanggan")).to_be_visible()
        # The chips count per status: all, queued, sent, failed.
        expect(chip(page, "").locator(".count")).to_have_text("5")
        expect(chip(page, "queued").locator(".count")).to_have_text("1")
        expect(chip(page, "sent").locator(".count")).to_have_text("3")
        expect(chip(page, "failed").locator(".count")).to_have_text("1")
        expect(page.locator("table.list tbody tr")).to_have_count(5)
        bad = page.locator("table.list tbody tr", has_text="Budi Gagal")
        expect(bad.locator(".badge.st-failed")).to_have_text("Gagal")
        expect(bad.locator(".err")).to_contain_text("bukan alamat email yang valid")
        expect(bad).to_contain_text("dewi@")
        waiting = page.locator("table.list tbody tr", has_text="Sari Dewanti")
        expect(waiting.locator(".badge.st-queued")).to_have_text("Dalam antrean")
        expect(page.locator("table.list .badge.st-sent")).to_have_count(3)
    shot(desk, "notifications-outbox-desktop")
    shot(phone, "notifications-outbox-phone")

    # The failed chip keeps only the failure; a search finds one customer by name.
    chip(desk, "failed").click()
    desk.wait_for_load_state("networkidle")
    assert "status=failed" in desk.url
    expect(chip(desk, "failed")).to_have_attribute("aria-current", "page")
    expect(desk.locator("table.list tbody tr")).to_have_count(1)
    expect(desk.locator("table.list tbody")).to_contain_text("Budi Gagal")
    shot(desk, "notifications-outbox-failed-desktop")
    chip(desk, "").click()
    desk.fill("input[name=q]", "sari")
    desk.select_option("select[name=channel]", "email")
    desk.locator("form.searchbar button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    expect(desk.locator("table.list tbody tr")).to_have_count(1)
    expect(desk.locator("table.list tbody")).to_contain_text("Sari Dewanti")
    desk.fill("input[name=q]", "tidak-ada-orang-ini")
    desk.locator("form.searchbar button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    expect(desk.locator(".empty")).to_be_visible()

    # One message: the text and why it failed; an invalid address cannot be sent again.
    for page, label in ((desk, "desktop"), (phone, "phone")):
        page.goto(reverse("notifications:outbox"))
        page.locator("table.list tbody tr", has_text="Budi Gagal").locator("a").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(reverse("notifications:outbox_detail", args=[failed.pk]))
        expect(page.locator("pre.message-body")).to_contain_text("Perbaikan sedang berjalan.")
        facts = page.locator("dl.facts")
        expect(facts).to_contain_text("dewi@")
        expect(facts).to_contain_text("Alamat tidak valid")
        expect(page.get_by_role("button", name="Kirim ulang")).to_have_count(0)
        shot(page, f"notifications-message-failed-{label}")
    phone.goto(reverse("notifications:outbox_detail", args=[queued.pk]))
    expect(phone.locator(".page-head .badge")).to_have_text("Dalam antrean")
    expect(phone.locator("dl.facts")).to_contain_text("sari@example.id")
    shot(phone, "notifications-message-queued-phone")


def test_announcement_progress_updates_itself_while_the_worker_sends(new_page, monkeypatch):
    onboarding = factories.Onboarding()
    customers = [onboarding.active()[0] for _ in range(3)]
    outbox.drain("email")  # their onboarding mail is out of the way
    # One address went bad since: that message fails at once, the other two wait.
    broken = customers.pop()
    Customer.objects.filter(pk=broken.pk).update(email="rusak@")
    kicked = worker_off(monkeypatch)

    desk, phone = staff_pages(new_page, Role.NOC, first_name="Eko", last_name="Nugroho")
    phone.goto(reverse("staff:announce"))
    desk.goto(reverse("staff:announce"))
    for page in (desk, phone):
        # The audience count comes in by htmx; every live state is ticked by default.
        expect(page.locator("#audience-count")).to_contain_text("3")
        expect(page.locator("input[name=states]:checked")).to_have_count(3)
    shot(phone, "notifications-announce-phone")
    desk.fill("[name=subject_id]", "Pemeliharaan jaringan Sabtu malam")
    desk.fill(
        "[name=body_id]",
        "Sabtu pukul 23.00 sampai 01.00 WIB ada pemeliharaan jaringan di Depok. "
        "Internet bisa terputus sebentar. Mohon maaf atas ketidaknyamanannya.",
    )
    shot(desk, "notifications-announce-desktop")
    desk.get_by_role("button", name="Kirim pengumuman").click()
    desk.wait_for_load_state("networkidle")

    bulk = BulkSend.objects.get()
    assert desk.url.endswith(reverse("notifications:bulk_detail", args=[bulk.pk]))
    assert kicked, "creating the bulk send asks the worker to start"
    expect(desk.locator(".msg-success")).to_contain_text("3")
    expect(desk.get_by_role("heading", name="Pemeliharaan jaringan Sabtu malam")).to_be_visible()
    panel = desk.locator("#bulk-progress")
    expect(panel.locator("[data-count=queued]")).to_have_text("2")
    expect(panel.locator("[data-count=sent]")).to_have_text("0")
    expect(panel.locator("[data-count=failed]")).to_have_text("1")
    expect(panel.locator("[data-count=inapp]")).to_be_visible()  # "in the portal"

    # Pause holds the queued rows; the page says so.
    panel.get_by_role("button", name="Jeda").click()
    desk.wait_for_load_state("networkidle")
    bulk.refresh_from_db()
    assert bulk.status == BulkStatus.PAUSED
    assert bulk.notifications.filter(status=Status.HELD).count() == 2
    expect(desk.locator(".msg-success")).to_be_visible()
    expect(panel.locator(".badge")).to_have_text("Dijeda")
    expect(panel.locator("[data-count=held]")).to_have_text("2")
    expect(panel.locator("[data-count=queued]")).to_have_text("0")
    expect(panel.get_by_role("button", name="Lanjutkan")).to_be_visible()
    expect(panel.locator(".bulk-percent strong")).to_have_text("33%")  # the failure is final
    shot(desk, "notifications-bulk-paused-desktop")
    phone.goto(reverse("notifications:bulk_detail", args=[bulk.pk]))
    expect(phone.locator("#bulk-progress [data-count=held]")).to_have_text("2")
    shot(phone, "notifications-bulk-paused-phone")

    # Resume: queued again, the page polls while the worker (this test) sends.
    panel.get_by_role("button", name="Lanjutkan").click()
    desk.wait_for_load_state("networkidle")
    expect(panel.locator("[data-count=queued]")).to_have_text("2")
    expect(panel.locator(".badge")).to_have_text("Sedang dikirim")
    expect(panel).to_have_attribute("hx-trigger", "every 2s")
    phone.reload()
    expect(phone.locator("#bulk-progress [data-count=queued]")).to_have_text("2")
    shot(phone, "notifications-bulk-running-phone")
    desk.evaluate("window.__samePage = true")
    navigations = []
    desk.on("framenavigated", lambda frame: navigations.append(frame.url))

    assert outbox.drain("email").sent == 2

    expect(panel.locator("[data-count=sent]")).to_have_text("2", timeout=6_000)
    expect(panel.locator(".bulk-percent strong")).to_have_text("100%")
    expect(panel.locator(".bulk-percent")).to_contain_text("3 dari 3 diproses")
    expect(panel.locator("[data-count=queued]")).to_have_text("0")
    expect(panel.locator("[data-count=failed]")).to_have_text("1")
    expect(panel.locator(".badge")).to_have_text("Selesai")
    expect(panel.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    assert desk.evaluate("window.__samePage") is True, "the page was reloaded"
    assert navigations == []
    # Finished: the panel stops polling and offers no more actions.
    expect(panel).not_to_have_attribute("hx-trigger", re.compile("every"))
    expect(panel.locator("button")).to_have_count(0)
    # The bar: two thirds green (sent), one third red (failed).
    bar = panel.locator(".progress").bounding_box()["width"]
    sent_part = panel.locator(".p-done").bounding_box()["width"]
    failed_part = panel.locator(".p-failed").bounding_box()["width"]
    assert abs(sent_part - bar * 2 / 3) < 0.02 * bar and abs(failed_part - bar / 3) < 0.02 * bar
    shot(desk, "notifications-bulk-done-desktop")
    phone.reload()
    expect(phone.locator("#bulk-progress [data-count=sent]")).to_have_text("2")
    shot(phone, "notifications-bulk-done-phone")

    sent = Notification.objects.filter(bulk=bulk, channel="email", status=Status.SENT)
    assert {n.to for n in sent} == {c.email for c in customers}
    failed = Notification.objects.get(bulk=bulk, status=Status.FAILED)
    assert failed.to == "rusak@"

    # The list of bulk sends shows it finished.
    desk.goto(reverse("notifications:bulk_list"))
    row = desk.locator("table.list tbody tr", has_text="Pemeliharaan jaringan Sabtu malam")
    expect(row).to_contain_text("100%")
    expect(row).to_contain_text("2 terkirim, 1 gagal")
    expect(row.locator(".badge")).to_have_text("Selesai")
    shot(desk, "notifications-bulk-list-desktop")
    phone.goto(reverse("notifications:bulk_list"))
    shot(phone, "notifications-bulk-list-phone")


def test_template_editor_previews_while_typing(new_page):
    desk, phone = staff_pages(new_page, Role.ADMIN)
    for page, label in ((desk, "desktop"), (phone, "phone")):
        page.goto(reverse("notifications:template_list"))
        row = page.locator("table.list tbody tr", has_text="welcome")
        expect(row.get_by_role("link", name="Bahasa Indonesia")).to_be_visible()
        shot(page, f"notifications-templates-{label}")

    for page, label in ((desk, "desktop"), (phone, "phone")):
        page.goto(reverse("notifications:template_edit", args=["welcome", "id"]))
        preview = page.locator("#preview")
        expect(preview).to_contain_text("Halo Dimas Saputra")
        body = page.locator("textarea[name=body]")
        body.fill(
            "Halo {{ name }},\n\nTerima kasih sudah berlangganan {{ plan.name }}.\n"
            "Nomor pelanggan Anda: {{ customer_number }}"
        )
        expect(preview).to_contain_text("Terima kasih sudah berlangganan")
        expect(preview).to_contain_text("Halo Dimas Saputra,")
        expect(preview).not_to_contain_text("{{")
        expect(preview).not_to_contain_text("Pendaftaran Anda sudah diverifikasi")
        shot(page, f"notifications-template-edit-{label}")

    # A broken variable shows the error instead of a preview; nothing was saved.
    desk.locator("textarea[name=body]").fill("Halo {{ name|tidakada }}")
    expect(desk.locator("#preview .errorlist")).to_be_visible()
    shot(desk, "notifications-template-error-desktop")
    desk.reload()
    expect(desk.locator("#preview")).to_contain_text("Pendaftaran Anda sudah diverifikasi")


def test_portal_preferences_email_only(new_page):
    customer, _ = factories.Onboarding().approved()
    customer.user.set_password(PASSWORD)
    customer.user.save()
    assert customer.notify_channels != "email"

    desk = new_page(DESKTOP)
    login(desk, customer.user.username, PASSWORD)
    desk.goto(reverse("portal:preferences"))
    expect(desk.get_by_role("heading", name="Pengaturan pesan")).to_be_visible()
    shot(desk, "notifications-preferences-desktop")

    phone = new_page(PHONE)
    login(phone, customer.user.username, PASSWORD)
    phone.goto(reverse("portal:preferences"))
    phone.get_by_label("Hanya email").check()
    phone.locator("form:has([name=notify_channels]) button[type=submit]").click()
    phone.wait_for_load_state("networkidle")
    assert phone.url.endswith(reverse("portal:preferences"))
    expect(phone.locator(".msg-success")).to_have_text("Tersimpan.")
    expect(phone.get_by_label("Hanya email")).to_be_checked()
    shot(phone, "notifications-preferences-phone")
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.notify_channels == "email"
