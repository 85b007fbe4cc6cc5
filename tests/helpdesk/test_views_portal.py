"""The customer's help pages: own tickets only (another's is 404, the live fragment too),
internal notes never shown, opening a ticket (a complaint needs its whole record), replying
(reopens within the window, refused after), the rate limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ispcare.helpdesk.choices import TicketStatus, UpdateKind
from ispcare.helpdesk.models import Ticket, TicketUpdate
from ispcare.helpdesk.tickets import ticket_reply, ticket_transition

from .support import complaint, complaint_record, fault

pytestmark = pytest.mark.django_db
SECRET = "CATATAN-INTERNAL-RAHASIA"


@pytest.fixture
def customer(subscriber, client):
    customer, _sub = subscriber
    client.force_login(customer.user)
    return customer


@pytest.fixture
def other(onboarding, agent):
    """Another customer with a fault ticket."""
    someone, _sub = onboarding.active()
    return fault(someone, agent, subject="Punya orang lain")


def url(name: str, *args) -> str:
    return reverse(f"portal_helpdesk:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def _question(customer, **kw):
    from ispcare.helpdesk.tickets import ticket_create

    return ticket_create(
        kind="question",
        subject=kw.pop("subject", "Cara ganti password WiFi"),
        source="portal",
        customer_id=customer.pk,
        actor=customer.user,
        **kw,
    )


# Who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ticket", "ticket_live"])
def test_another_customers_ticket_is_404(client, customer, other, name):
    assert client.get(url(name, other.pk)).status_code == 404
    assert client.get(url(name, 999999)).status_code == 404


def test_reply_to_another_customers_ticket_is_404_and_writes_nothing(client, customer, other):
    before = TicketUpdate.objects.count()
    response = client.post(url("ticket_reply", other.pk), {"body": "halo"})
    assert response.status_code == 404
    assert TicketUpdate.objects.count() == before


@pytest.mark.parametrize("name", ["ticket_list", "ticket_new"])
def test_staff_and_anonymous_do_not_get_the_customer_pages(client, agent, name):
    anonymous = client.get(url(name))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(agent)
    assert client.get(url(name)).status_code in (302, 403)


def test_list_shows_own_tickets_open_first_with_the_eta(client, customer, agent, other):
    done = _question(customer, subject="Sudah beres")
    ticket_transition(ticket_id=done.pk, action="resolve", actor=agent)
    broken = fault(customer, agent)
    eta = timezone.now() + dt.timedelta(hours=4)
    ticket_reply(ticket_id=broken.pk, actor=agent, body="Teknisi menuju lokasi", eta=eta)
    page = text(client.get(url("ticket_list")))
    assert "Internet mati sejak pagi" in page and "Sudah beres" in page
    assert "Punya orang lain" not in page
    assert page.index("Internet mati sejak pagi") < page.index("Sudah beres")
    assert page.index('id="open-tickets"') < page.index("Internet mati sejak pagi")
    assert page.index('id="done-tickets"') < page.index("Sudah beres")
    local = timezone.localtime(eta, dt.timezone(dt.timedelta(hours=7)))
    assert local.strftime("%H:%M") in page
    assert url("ticket_new") in page


def test_internal_notes_are_never_shown(client, customer, agent):
    ticket = fault(customer, agent)
    ticket_reply(ticket_id=ticket.pk, actor=agent, body=SECRET, public=False)
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="Kami sedang mengecek.")
    for name in ("ticket", "ticket_live"):
        page = text(client.get(url(name, ticket.pk)))
        assert "Kami sedang mengecek." in page
        assert SECRET not in page
    assert SECRET not in text(client.get(url("ticket_list")))


def test_complaint_investigation_and_solution_are_not_shown(client, customer, agent):
    from ispcare.helpdesk.complaints import complaint_investigate, complaint_solution

    ticket = complaint(customer, agent)
    complaint_investigate(ticket_id=ticket.pk, actor=agent, notes=SECRET)
    complaint_solution(ticket_id=ticket.pk, actor=agent, solution=SECRET, action_taken="x")
    page = text(client.get(url("ticket", ticket.pk)))
    assert "Tagihan bulan ini ditagih dua kali." in page  # the customer's own record
    assert SECRET not in page


def test_fault_page_shows_eta_visit_and_live_hooks(client, customer, agent, technician):
    from ispcare.helpdesk.faults import fault_escalate

    ticket = fault(customer, agent)
    page = text(client.get(url("ticket", ticket.pk)))
    assert 'id="eta-card"' in page and "eta-card pending" in page
    eta = timezone.now() + dt.timedelta(hours=2, minutes=30)
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="", eta=eta)
    visit_day = timezone.localdate() + dt.timedelta(days=1)
    fault_escalate(ticket_id=ticket.pk, actor=agent, technician_id=technician.pk, date=visit_day)
    page = text(client.get(url("ticket", ticket.pk)))
    wib = eta.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert f'id="eta-time">{wib:%H:%M} WIB' in page
    assert 'id="eta-in"' in page and "2\xa0jam" in page  # timeuntil's non-breaking space
    assert 'id="visit-card"' in page and str(visit_day.day) in page
    # The live hooks: the socket path and the fragment polled while it is closed.
    assert f'data-ws-path="/ws/tickets/{ticket.pk}/"' in page
    assert f'hx-get="{url("ticket_live", ticket.pk)}"' in page
    assert "every 20s [!ticketSocketOpen]" in page
    assert "portal_tickets.js" in page


def test_live_fragment_follows_the_ticket(client, customer, agent):
    ticket = fault(customer, agent)
    first = client.get(url("ticket_live", ticket.pk))
    assert first.status_code == 200 and first["Cache-Control"] == "no-store"
    assert "<html" not in text(first)
    assert 'hx-swap-oob="true"' in text(first)  # the timeline rides along out of band
    eta = timezone.now() + dt.timedelta(hours=1)
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="Perbaikan kabel", eta=eta)
    second = text(client.get(url("ticket_live", ticket.pk)))
    assert "Perbaikan kabel" in second and "Perbaikan kabel" not in text(first)
    assert 'id="eta-time"' in second
    ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent, note="Sudah normal")
    third = text(client.get(url("ticket_live", ticket.pk)))
    assert 'id="eta-card"' not in third and "Sudah normal" in third


def test_eta_in_the_past_says_so(client, customer, agent):
    ticket = fault(customer, agent)
    Ticket.objects.filter(pk=ticket.pk).update(eta=timezone.now() - dt.timedelta(minutes=5))
    page = text(client.get(url("ticket_live", ticket.pk)))
    assert "eta-card passed" in page and 'id="eta-in"' not in page


# Opening a ticket ---------------------------------------------------------------------------


def test_open_a_question(client, customer):
    response = client.post(
        url("ticket_new"), {"kind": "question", "subject": "Ganti paket", "description": "Bisa?"}
    )
    ticket = Ticket.objects.get(customer=customer)
    assert response.status_code == 302 and response["Location"] == url("ticket", ticket.pk)
    assert (ticket.source, ticket.kind, ticket.created_by) == ("portal", "question", customer.user)
    assert ticket.status == TicketStatus.NEW


def test_complaint_without_its_record_is_refused_with_field_messages(client, customer):
    response = client.post(url("ticket_new"), {"kind": "complaint", "subject": "Teknisi kasar"})
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    form = response.context["form"]
    assert {"what_happened", "since", "location", "impact", "contact"} <= set(form.errors)
    page = text(response)
    assert 'id="id_what_happened_error"' in page and 'id="id_since_error"' in page


def test_complaint_with_its_record_is_saved(client, customer):
    record = complaint_record()
    record["since"] = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = client.post(
        url("ticket_new"), {"kind": "complaint", "subject": "Tagihan ganda", **record}
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    ticket = Ticket.objects.get(customer=customer)
    assert ticket.complaint.location == record["location"]


def test_contact_is_prefilled_with_the_customers_phone(client, customer):
    form = client.get(url("ticket_new")).context["form"]
    digits = "".join(c for c in form["contact"].value() if c.isdigit())
    assert digits and customer.phone.lstrip("+").endswith(digits[-8:])


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "question", "subject": ""}, "subject"),
        ({"kind": "nonsense", "subject": "x"}, "kind"),
        ({"kind": "question", "subject": "x" * 201}, "subject"),
    ],
)
def test_bad_input_is_refused_on_its_field(client, customer, data, field):
    response = client.post(url("ticket_new"), data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_subscription_choice_only_with_several_and_only_own(client, customer, onboarding):
    assert "subscription" not in client.get(url("ticket_new")).context["form"].fields
    _c, foreign = onboarding.active()
    second = customer.subscriptions.first()
    second.pk = None
    second.pppoe_username = "second-line"
    second.save()
    form = client.get(url("ticket_new")).context["form"]
    assert "subscription" in form.fields
    response = client.post(
        url("ticket_new"), {"kind": "fault", "subject": "Mati", "subscription": foreign.pk}
    )
    assert "subscription" in response.context["form"].errors
    response = client.post(
        url("ticket_new"), {"kind": "fault", "subject": "Mati", "subscription": second.pk}
    )
    assert response.status_code == 302
    assert Ticket.objects.get(customer=customer).subscription == second


def test_opening_is_rate_limited(client, customer, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ticket_open": (2, 3600)}
    from django.core.cache import cache

    cache.clear()
    for i in range(2):
        response = client.post(url("ticket_new"), {"kind": "question", "subject": f"Tanya {i}"})
        assert response.status_code == 302
    response = client.post(url("ticket_new"), {"kind": "question", "subject": "Lagi"})
    assert response.status_code == 429
    assert Ticket.objects.count() == 2
    assert client.get(url("ticket_new")).status_code == 200  # reading the form is not limited


# Replying -----------------------------------------------------------------------------------


def test_reply_goes_to_the_team(client, customer, agent):
    ticket = _question(customer)
    ticket_transition(ticket_id=ticket.pk, action="wait_customer", actor=agent)
    response = client.post(url("ticket_reply", ticket.pk), {"body": "Sudah saya coba"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.updates.filter(kind=UpdateKind.CUSTOMER, body="Sudah saya coba").exists()
    assert "Sudah saya coba" in text(client.get(url("ticket", ticket.pk)))


def test_reply_within_the_window_reopens(client, customer, agent):
    ticket = _question(customer)
    ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent)
    page = text(client.get(url("ticket", ticket.pk)))
    assert 'id="resolved-note"' in page and 'name="body"' in page
    client.post(url("ticket_reply", ticket.pk), {"body": "Masih belum bisa"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_reply_after_the_window_is_refused_clearly(client, customer, agent):
    ticket = _question(customer)
    ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent)
    Ticket.objects.filter(pk=ticket.pk).update(reopen_until=timezone.now() - dt.timedelta(hours=1))
    page = text(client.get(url("ticket", ticket.pk)))
    assert 'id="reply-closed"' in page and 'name="body"' not in page
    before = TicketUpdate.objects.count()
    response = client.post(url("ticket_reply", ticket.pk), {"body": "Masih mati"}, follow=True)
    assert TicketUpdate.objects.count() == before
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    messages = [str(m) for m in response.context["messages"]]
    assert any("tiket baru" in m.lower() or "new one" in m.lower() for m in messages), messages


def test_empty_reply_is_refused_on_the_field(client, customer):
    ticket = _question(customer)
    response = client.post(url("ticket_reply", ticket.pk), {"body": "   "})
    assert response.status_code == 400
    assert "body" in response.context["reply_form"].errors
    assert not ticket.updates.filter(kind=UpdateKind.CUSTOMER).exists()
