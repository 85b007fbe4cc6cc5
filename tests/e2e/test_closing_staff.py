"""The closing team's pages in a real browser: the team schedules a pickup on the desktop,
the technician checks the equipment in on a phone from My jobs (one device damaged), and
the team sees the charge on the request's page. Screenshots of the queue, the request and
the check-in on both screens."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.accounts.roles import Role
from ispcare.closures.models import EquipmentPrice, ReturnItem
from ispcare.customers.models import Equipment
from ispcare.workorders.models import WorkOrder
from tests import factories
from tests.closures.support import request
from tests.e2e.conftest import DESKTOP, PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def _world():
    o = factories.Onboarding()
    o.technician.first_name, o.technician.last_name = "Agus", "Teknisi"
    o.technician.save()
    closing = factories.staff_user(Role.CLOSING, first_name="Sari")
    EquipmentPrice.objects.create(kind="ont", damaged_charge=300_000, missing_charge=750_000)
    EquipmentPrice.objects.create(kind="router", damaged_charge=150_000, missing_charge=400_000)
    customer, sub = o.active()
    closure = request(sub, customer.user, reason="moving", days=5)
    # A few more in other stages, so the queue has something to show.
    others = []
    for days, method in ((1, "dropoff"), (12, "pickup"), (0, "pickup")):
        c, s = o.active()
        others.append(request(s, c.user, days=days, return_method=method))
    return o, closing, customer, sub, closure, others


def test_pickup_scheduled_checked_in_on_the_phone_and_charged(new_page):
    o, closing, _customer, sub, closure, others = _world()
    ont = Equipment.objects.get(subscription=sub)
    detail = reverse("closures:closure_detail", args=[closure.pk])

    # The closing team, on the desktop: the queue, then the request; schedule the pickup.
    desk = new_page(DESKTOP)
    login(desk, closing.username, "pass-closing")
    desk.goto(reverse("closures:queue"))
    expect(desk.locator("table.cl-queue tbody tr")).to_have_count(4)
    expect(desk.locator("tr.cl-today")).to_have_count(1)
    shot(desk, "closing-queue-desktop")
    desk.click(f"a:text('{closure.number}')")
    expect(desk).to_have_url(re.compile(re.escape(detail) + "$"))
    expect(desk.locator("#stepper li.current")).to_have_count(1)
    form = desk.locator("#pickup form")
    expect(form).to_be_visible()
    form.locator("select[name=technician]").select_option(str(o.technician.pk))
    form.locator("input[name=date]").fill(timezone.localdate().isoformat())
    form.locator("textarea[name=note]").fill("Ambil ONT; pelanggan di rumah setelah jam 4 sore")
    form.locator("button[type=submit]").click()
    expect(desk.locator(".msg-success")).to_be_visible()
    expect(desk.locator("#pickup")).to_contain_text("Agus Teknisi")
    shot(desk, "closing-detail-desktop")
    order = WorkOrder.objects.get(kind="pickup")

    # The technician, on the phone: My jobs, tap the pickup, check the ONT in as damaged.
    phone = new_page(PHONE)
    login(phone, o.technician.username, "pass-technician")
    phone.goto(reverse("workorders:my_jobs"))
    card = phone.locator("article.jobcard")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("jam 4 sore")
    shot(phone, "closing-myjobs-phone")
    card.locator(f"a[href='{reverse('closures:pickup_check_in', args=[order.pk])}']").click()
    device = phone.locator(f"#device-{ont.pk}")
    expect(device).to_be_visible()
    shot(phone, "closing-checkin-phone")
    box = device.locator("label.cl-cond-damaged").bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 90  # a thumb's target
    device.locator("label.cl-cond-damaged").click()
    expect(phone.locator("[data-total]")).to_have_text(re.compile(r"300\.000"))
    shot(phone, "closing-checkin-phone-chosen")
    phone.locator("form.cl-checkin button[type=submit]").click()
    expect(phone).to_have_url(re.compile(re.escape(reverse("workorders:my_jobs")) + "$"))
    expect(phone.locator(".msg-success")).to_contain_text("300.000")
    expect(phone.locator("article.jobcard")).to_have_count(0)
    item = ReturnItem.objects.get()
    assert item.condition == "damaged" and item.charge == 300_000 and item.via == "pickup"

    # Back at the desk: the charge is on the request's page.
    desk.goto(detail)
    expect(desk.locator("table.cl-items")).to_contain_text(ont.serial)
    expect(desk.locator("#items-total")).to_have_text(re.compile(r"300\.000"))
    expect(desk.locator("#stepper li[data-step=equipment].done")).to_have_count(1)
    shot(desk, "closing-detail-charged-desktop")

    # The same pages on the other screen, for people to look at.
    desk_phone = new_page(PHONE)
    login(desk_phone, closing.username, "pass-closing")
    desk_phone.goto(reverse("closures:queue"))
    expect(desk_phone.locator("table.cl-queue tbody tr")).to_have_count(4)
    shot(desk_phone, "closing-queue-phone")
    desk_phone.goto(detail)
    expect(desk_phone.locator("#equipment")).to_be_visible()
    shot(desk_phone, "closing-detail-phone")
    # The desk's check-in (a drop-off) on the desktop.
    desk.goto(reverse("closures:closure_check_in", args=[others[0].pk]))
    expect(desk.locator("fieldset.cl-device")).to_have_count(1)
    shot(desk, "closing-checkin-desktop")
    desk.goto(reverse("closures:prices"))
    shot(desk, "closing-prices-desktop")


@pytest.mark.parametrize("viewport,name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_request_filed_from_the_customer_page_and_settled(new_page, viewport, name):
    from ispcare.closures import services
    from ispcare.closures.models import Closure

    o = factories.Onboarding()
    closing = factories.staff_user(Role.CLOSING, first_name="Sari")
    EquipmentPrice.objects.create(kind="ont", damaged_charge=300_000, missing_charge=750_000)
    customer, sub = o.active()
    page = new_page(viewport)
    login(page, closing.username, "pass-closing")

    # The customer phoned: from their page (the closing panel loads by htmx) to the form.
    page.goto(reverse("staff:customer_detail", args=[customer.pk]))
    new_url = reverse("closures:closure_new", args=[customer.pk])
    page.locator(f"#closures-panel a[href='{new_url}']").click()
    expect(page).to_have_url(re.compile(re.escape(new_url) + "$"))
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    page.fill("input[name=end_date]", yesterday.isoformat())
    page.select_option("select[name=reason]", "competitor")
    page.check("input[name=return_method][value=dropoff]")
    page.fill("input[name=refund_bank]", "BCA")
    page.locator("main form.cl-narrow button[type=submit]").click()
    expect(page.locator("#id_end_date_error")).to_be_visible()
    expect(page.locator("#id_refund_account_number_error")).to_be_visible()
    shot(page, f"closing-new-errors-{name}")
    assert not Closure.objects.exists()
    page.fill("input[name=end_date]", (timezone.localdate() + timezone.timedelta(3)).isoformat())
    page.fill("input[name=refund_account_number]", "1234567890")
    page.fill("input[name=refund_account_name]", "Budi Santoso")
    page.locator("main form.cl-narrow button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    closure = Closure.objects.get()
    assert closure.channel == "staff" and closure.return_method == "dropoff"

    # The customer brought the ONT in good condition; the end date came; settle.
    ont = Equipment.objects.get(subscription=sub)
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: "good"}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    page.goto(reverse("closures:closure_detail", args=[closure.pk]))
    page.locator(
        f"#actions a[href='{reverse('closures:closure_settle', args=[closure.pk])}']"
    ).click()
    expect(page.locator("#preview")).to_be_visible()
    refund = page.locator("#p-refund").inner_text()
    shot(page, f"closing-settle-{name}")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("#refund-due")).to_have_text(refund)
    expect(page.locator("#refund")).to_be_visible()
    shot(page, f"closing-settled-{name}")
