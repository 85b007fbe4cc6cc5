"""The closing team's queue and a request's page: who sees what, each action through the
page (POST -> service effect -> redirect and message), bad input (422 with the field's
error, nothing changed), and refusals on a finished request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing.models import Refund
from ispcare.billing.services import open_balance
from ispcare.closures import services
from ispcare.closures.models import Closure, RetentionOffer
from ispcare.customers.models import Equipment
from ispcare.workorders.models import WorkOrder
from tests import factories

from .support import request, settled

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _detail(closure) -> str:
    return reverse("closures:closure_detail", args=[closure.pk])


def _settled(subscriber, closing, condition="good"):
    customer, sub = subscriber
    return settled(sub, customer.user, closing, condition)


# The queue ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CLOSING, Role.CUSTOMER_SERVICE, Role.FINANCE, Role.MANAGER])
def test_queue_renders_for_every_role_that_may_view(client, subscriber, role):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    _login(client, factories.staff_user(role))
    r = client.get(reverse("closures:queue"))
    assert r.status_code == 200
    page = r.content.decode()
    assert closure.number in page and customer.number in page
    assert reverse("staff:customer_detail", args=[customer.pk]) in page
    figures = r.context["figures"]
    assert figures.open == 1 and figures.ending_week == 1 and figures.equipment_out == 1


def test_queue_is_closed_to_technicians(client, onboarding):
    _login(client, onboarding.technician)
    assert client.get(reverse("closures:queue")).status_code == 403


def test_queue_filters_search_and_sorts_by_end_date(client, onboarding, closing):
    late_c, late_s = onboarding.active()
    soon_c, soon_s = onboarding.active()
    gone_c, gone_s = onboarding.active()
    late = request(late_s, late_c.user, days=20)
    soon = request(soon_s, soon_c.user, days=2)
    gone = request(gone_s, gone_c.user, days=5)
    services.closure_cancel(closure_id=gone.pk, actor=gone_c.user)
    services.closure_process(closure_id=soon.pk, actor=closing)
    _login(client, closing)

    r = client.get(reverse("closures:queue"))
    assert [c.pk for c in r.context["page"]] == [soon.pk, late.pk]  # open only, soonest first
    tabs = {t["value"]: t["count"] for t in r.context["tabs"]}
    assert tabs[""] == 2 and tabs["requested"] == 1 and tabs["in_progress"] == 1
    assert tabs["cancelled"] == 1

    r = client.get(reverse("closures:queue"), {"status": "cancelled"})
    assert [c.pk for c in r.context["page"]] == [gone.pk]
    r = client.get(reverse("closures:queue"), {"q": late.number})
    assert [c.pk for c in r.context["page"]] == [late.pk]
    r = client.get(reverse("closures:queue"), {"q": soon_c.number})
    assert [c.pk for c in r.context["page"]] == [soon.pk]
    r = client.get(reverse("closures:queue"), {"status": "nonsense"})
    assert r.status_code == 200 and len(r.context["page"]) == 2


def test_queue_highlights_overdue_and_today(client, onboarding, closing):
    c1, s1 = onboarding.active()
    c2, s2 = onboarding.active()
    today = request(s1, c1.user, days=0)
    overdue = request(s2, c2.user, days=3)
    Closure.objects.filter(pk=overdue.pk).update(end_date=timezone.localdate() - dt.timedelta(2))
    _login(client, closing)
    page = client.get(reverse("closures:queue")).content.decode()
    assert page.count("cl-overdue") >= 1 and "cl-today" in page
    assert today.number in page


def test_queue_query_count_stays_flat(client, onboarding, closing, django_assert_max_num_queries):
    for _ in range(30):
        sub = factories.subscription_in(onboarding, "active", deposit=True, device=True)
        request(sub, closing)
    _login(client, closing)
    client.get(reverse("closures:queue"))  # warm the session and user
    with django_assert_max_num_queries(12) as captured:
        r = client.get(reverse("closures:queue"))
    assert r.status_code == 200 and len(r.context["page"]) == 30
    assert r.context["figures"].equipment_out == 30
    few = len(captured.captured_queries)
    Closure.objects.filter(pk__in=list(Closure.objects.values_list("pk", flat=True)[:27])).delete()
    with django_assert_max_num_queries(few):
        client.get(reverse("closures:queue"))


# One request --------------------------------------------------------------------------


def test_detail_shows_everything_and_masks_the_account(client, subscriber, closing, prices):
    customer, sub = subscriber
    closure = request(sub, customer.user, reason="other", reason_text="Pindah ke luar kota")
    _login(client, closing)
    r = client.get(_detail(closure))
    assert r.status_code == 200
    page = r.content.decode()
    assert "1234567890" in page  # the closing team pays refunds: full number
    assert "Pindah ke luar kota" in page
    assert Equipment.objects.get(subscription=sub).serial in page
    acts = r.context["acts"]
    assert acts["process"] and acts["pickup"] and acts["check_in"] and acts["offer"]
    assert not acts["settle"] and not acts["refund"] and not acts["close"]
    assert [s["key"] for s in r.context["steps"] if s["done"]] == ["requested"]

    _login(client, factories.staff_user(Role.CUSTOMER_SERVICE))
    r = client.get(_detail(closure))
    page = r.content.decode()
    assert "1234567890" not in page and "7890" in page
    assert not any(r.context["acts"].values())  # customer service only reads
    assert reverse("closures:closure_process", args=[closure.pk]) not in page


def test_unknown_request_is_404(client, closing):
    _login(client, closing)
    assert client.get(reverse("closures:closure_detail", args=[999999])).status_code == 404


def test_process_through_the_page(client, subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    _login(client, closing)
    r = client.post(reverse("closures:closure_process", args=[closure.pk]), {"note": "Ditelepon"})
    assert r.status_code == 302 and r["Location"] == _detail(closure)
    assert _msgs(r)
    closure.refresh_from_db()
    assert closure.status == "in_progress" and closure.processed_by == closing
    # Processing again is refused with a message, nothing changes.
    r = client.post(reverse("closures:closure_process", args=[closure.pk]))
    assert r.status_code == 302 and _msgs(r)


def test_pickup_through_the_page_and_bad_input(client, subscriber, closing, onboarding):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    url = reverse("closures:closure_pickup", args=[closure.pk])
    _login(client, closing)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    r = client.post(url, {"technician": onboarding.technician.pk, "date": yesterday.isoformat()})
    assert r.status_code == 422
    assert "date" in r.context["forms"]["pickup"].errors
    r = client.post(url, {"technician": closing.pk, "date": timezone.localdate().isoformat()})
    assert r.status_code == 422 and "technician" in r.context["forms"]["pickup"].errors
    assert not WorkOrder.objects.filter(kind="pickup").exists()

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = client.post(
        url,
        {"technician": onboarding.technician.pk, "date": tomorrow.isoformat(), "note": "Sore"},
    )
    assert r.status_code == 302 and r["Location"].endswith("#pickup")
    order = WorkOrder.objects.get(kind="pickup")
    assert order.technician == onboarding.technician and order.scheduled_date == tomorrow
    assert order.problem == "Sore"
    page = client.get(_detail(closure)).content.decode()
    assert onboarding.technician.first_name in page


def test_refund_larger_than_due_is_refused_then_paid(client, subscriber, closing):
    closure, settlement = _settled(subscriber, closing)
    assert settlement.refund_due > 0
    url = reverse("closures:closure_refund", args=[closure.pk])
    _login(client, closing)
    r = client.get(_detail(closure))
    assert r.context["acts"]["refund"]
    assert r.context["forms"]["refund"].initial["amount"] == settlement.refund_due

    r = client.post(
        url,
        {"amount": str(settlement.refund_due + 1), "method": "bank_transfer", "reference": "T1"},
    )
    assert r.status_code == 422
    assert "amount" in r.context["forms"]["refund"].errors
    assert not Refund.objects.exists()
    r = client.post(url, {"amount": "abc", "method": "bank_transfer", "reference": "T1"})
    assert r.status_code == 422 and "amount" in r.context["forms"]["refund"].errors
    r = client.post(url, {"amount": str(settlement.refund_due), "method": "bank_transfer"})
    assert r.status_code == 422 and "reference" in r.context["forms"]["refund"].errors
    assert not Refund.objects.exists()

    r = client.post(
        url,
        {
            "amount": f"{settlement.refund_due:,}".replace(",", "."),
            "method": "bank_transfer",
            "reference": "TRF-1",
        },
    )
    assert r.status_code == 302 and _msgs(r)
    closure.refresh_from_db()
    assert closure.status == "closed"
    assert Refund.objects.get().amount == settlement.refund_due
    page = client.get(_detail(closure)).content.decode()
    assert 'id="refund-paid"' in page


def test_refund_is_not_for_customer_service(client, subscriber, closing):
    closure, settlement = _settled(subscriber, closing)
    _login(client, factories.staff_user(Role.CUSTOMER_SERVICE))
    r = client.post(
        reverse("closures:closure_refund", args=[closure.pk]),
        {"amount": settlement.refund_due, "method": "cash", "reference": "KW-1"},
    )
    assert r.status_code == 403 and not Refund.objects.exists()


def test_write_off_needs_a_reason_and_a_manager(client, subscriber, closing, manager, prices):
    closure, settlement = _settled(subscriber, closing, condition="missing")
    assert settlement.balance_left > 0
    url = reverse("closures:closure_write_off", args=[closure.pk])
    _login(client, closing)
    assert client.post(url, {"reason": "Pindah kota"}).status_code == 403
    assert not client.get(_detail(closure)).context["acts"]["write_off"]

    _login(client, manager)
    assert client.get(_detail(closure)).context["acts"]["write_off"]
    r = client.post(url, {"reason": ""})
    assert r.status_code == 422 and "reason" in r.context["forms"]["write_off"].errors
    r = client.post(url, {"reason": "ok"})  # too short for the service
    assert r.status_code == 422 and "reason" in r.context["forms"]["write_off"].errors
    closure.refresh_from_db()
    assert closure.status == "settled" and closure.written_off == 0

    r = client.post(url, {"reason": "Pelanggan pindah ke luar pulau"})
    assert r.status_code == 302 and _msgs(r)
    closure.refresh_from_db()
    assert closure.status == "closed" and closure.written_off == settlement.balance_left
    assert open_balance(customer_id=closure.customer_id) == 0


def test_close_button_only_when_allowed(client, subscriber, closing, prices, onboarding):
    closure, _settlement = _settled(subscriber, closing, condition="missing")
    _login(client, closing)
    assert not client.get(_detail(closure)).context["acts"]["close"]
    r = client.post(reverse("closures:closure_close", args=[closure.pk]))
    assert r.status_code == 302 and _msgs(r)  # the guard's reason as a message
    closure.refresh_from_db()
    assert closure.status == "settled"


def test_acting_on_a_cancelled_request_changes_nothing(client, subscriber, closing, onboarding):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    services.closure_cancel(closure_id=closure.pk, actor=customer.user)
    _login(client, closing)
    r = client.get(_detail(closure))
    assert r.status_code == 200 and not any(r.context["acts"].values())
    posts = [
        ("closures:closure_process", {}),
        (
            "closures:closure_pickup",
            {"technician": onboarding.technician.pk, "date": timezone.localdate().isoformat()},
        ),
        ("closures:closure_offer", {"text": "Diskon 50%", "credit": "100000"}),
        ("closures:closure_close", {}),
    ]
    for name, data in posts:
        r = client.post(reverse(name, args=[closure.pk]), data)
        assert r.status_code == 302 and r["Location"] == _detail(closure), name
        assert any(closure.number in m for m in _msgs(r)), name
    r = client.get(reverse("closures:closure_check_in", args=[closure.pk]))
    assert r.status_code == 302 and _msgs(r)
    closure.refresh_from_db()
    assert closure.status == "cancelled"
    assert not WorkOrder.objects.filter(kind="pickup").exists()
    assert not RetentionOffer.objects.exists()


def test_offer_made_and_answered_by_phone(client, subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    _login(client, closing)
    url = reverse("closures:closure_offer", args=[closure.pk])
    r = client.post(url, {"text": "", "credit": "-5"})
    assert r.status_code == 422
    errors = r.context["forms"]["offer"].errors
    assert "text" in errors and "credit" in errors
    assert not RetentionOffer.objects.exists()

    r = client.post(url, {"text": "Diskon 50% dua bulan", "credit": "200.000"})
    assert r.status_code == 302
    offer = RetentionOffer.objects.get()
    assert offer.credit == 200_000 and offer.outcome == "pending"
    r = client.get(_detail(closure))
    assert r.context["acts"]["offer_answer"] and not r.context["acts"]["offer"]

    answer = reverse("closures:closure_offer_answer", args=[closure.pk])
    r = client.post(answer, {})
    assert r.status_code == 422 and "answer" in r.context["forms"]["offer_answer"].errors
    r = client.post(answer, {"answer": "accept"})
    assert r.status_code == 302 and _msgs(r)
    closure.refresh_from_db()
    offer.refresh_from_db()
    assert offer.outcome == "accepted" and closure.status == "withdrawn"


def test_offer_declined_lets_the_closing_go_on(client, subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    services.retention_offer_make(
        closure_id=closure.pk, text="Upgrade gratis", credit=0, actor=closing
    )
    _login(client, closing)
    r = client.post(
        reverse("closures:closure_offer_answer", args=[closure.pk]), {"answer": "decline"}
    )
    assert r.status_code == 302
    closure.refresh_from_db()
    assert closure.status == "requested"
    assert RetentionOffer.objects.get().outcome == "declined"
    assert client.get(_detail(closure)).context["acts"]["offer"]


def test_detail_events_belong_to_the_request(client, subscriber, closing, onboarding):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    services.closure_pickup_schedule(
        closure_id=closure.pk,
        technician_id=onboarding.technician.pk,
        date=timezone.localdate(),
        actor=closing,
    )
    _login(client, closing)
    kinds = [e.kind for e in client.get(_detail(closure)).context["events"]]
    assert "closure_requested" in kinds and "pickup_scheduled" in kinds
    assert "installation_completed" not in kinds  # before the request


def test_staff_cancel_for_a_customer_who_phoned(client, subscriber, closing):
    from ispcare.closures.models import Closure
    from tests.closures.support import request as file_request

    customer, sub = subscriber
    closure = file_request(sub, customer.user)
    client.force_login(closing)
    page = client.get(reverse("closures:closure_detail", args=[closure.pk]))
    assert b'id="cancel"' in page.content
    response = client.post(
        reverse("closures:closure_cancel", args=[closure.pk]),
        {"note": "Pelanggan menelepon: batal"},
    )
    assert response.status_code == 302
    closure = Closure.objects.get(pk=closure.pk)
    assert closure.status == "cancelled" and closure.cancel_reason == "Pelanggan menelepon: batal"
    again = client.post(reverse("closures:closure_cancel", args=[closure.pk]), {"note": "x"})
    assert again.status_code == 302  # a message, nothing changed
    assert Closure.objects.get(pk=closure.pk).status == "cancelled"
