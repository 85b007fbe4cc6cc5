"""The notification seam: a row per channel, rendered in the person's language, sent after commit."""

from __future__ import annotations

import pytest
from django.core import mail

from ispcare.customers.models import Application
from ispcare.notifications.models import Channel, Notification, Status
from ispcare.notifications.selectors import inbox_for, unread_count
from ispcare.notifications.services import Message, inbox_mark_read, message_send
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(db):
    return factories.submit(full_name="Dewi O'Brien & Putra")


def _message(application, **overrides) -> Message:
    fields = {
        "template": "application_received",
        "context": {
            "application": application,
            "status_url": "http://x/status/",
            "isp": "Vokasi.Net",
            "support_phone": "+62 274",
        },
        "language": "en",
        "email": "dewi@example.id",
        "idempotency_key": f"test:{application.pk}",
    }
    fields.update(overrides)
    return Message(**fields)


def test_email_row_is_queued_and_sent_only_after_commit(
    application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = message_send(message=_message(application))
    assert [r.channel for r in rows] == [Channel.EMAIL]
    assert rows[0].status == Status.QUEUED and mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    row = Notification.objects.get(pk=rows[0].pk)
    assert row.status == Status.SENT and row.sent_at is not None and row.attempts == 1


def test_rendered_as_plain_text_without_html_escaping(application):
    row = message_send(message=_message(application))[0]
    assert "Dewi O'Brien & Putra" in row.body
    assert "&amp;" not in row.body and "&#x27;" not in row.body
    assert application.reference in row.subject


def test_rendered_in_the_message_language(application):
    en = message_send(message=_message(application, idempotency_key="en"))[0]
    id_ = message_send(message=_message(application, language="id", idempotency_key="id"))[0]
    assert en.subject.startswith("We received your registration")
    assert id_.subject.startswith("Pendaftaran Anda sudah kami terima")
    assert (en.language, id_.language) == ("en", "id")


def test_same_idempotency_key_sends_nothing_new(application, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message_send(message=_message(application))
        again = message_send(message=_message(application))
    assert again == []
    assert Notification.objects.filter(idempotency_key__startswith="test:").count() == 1
    assert len([m for m in mail.outbox if m.to == ["dewi@example.id"]]) == 1


def test_without_a_key_every_call_is_a_new_message(application):
    message_send(message=_message(application, idempotency_key=""))
    message_send(message=_message(application, idempotency_key=""))
    assert Notification.objects.filter(to="dewi@example.id").count() == 2


def test_channels_without_an_address_are_skipped(application):
    assert message_send(message=_message(application, email="", idempotency_key="a")) == []
    user = factories.staff_user("customer")
    rows = message_send(
        message=_message(application, email="", user_id=user.pk, idempotency_key="b")
    )
    assert [(r.channel, r.status) for r in rows] == [(Channel.INAPP, Status.SENT)]


def test_inbox_unread_count_and_mark_read_only_own(application):
    alice, bob = factories.staff_user("customer"), factories.staff_user("customer")
    mine = [
        message_send(
            message=_message(application, email="", user_id=alice.pk, idempotency_key=f"a{i}")
        )[0]
        for i in range(3)
    ]
    theirs = message_send(
        message=_message(application, email="", user_id=bob.pk, idempotency_key="b")
    )[0]
    assert unread_count(user_id=alice.pk) == 3
    assert inbox_for(user_id=alice.pk).count() == 3
    # Alice cannot mark Bob's message read by sending its id.
    assert inbox_mark_read(user_id=alice.pk, ids=[mine[0].pk, theirs.pk]) == 1
    assert unread_count(user_id=alice.pk) == 2
    assert unread_count(user_id=bob.pk) == 1
    assert inbox_mark_read(user_id=alice.pk, ids=[mine[0].pk]) == 0  # already read


def test_application_notices_carry_a_working_status_link(
    django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        app = factories.submit()
    body = mail.outbox[0].body
    path = "/register/status/" + body.split("/register/status/")[1].split()[0]
    page = client.get(path)
    assert page.status_code == 200
    assert app.reference in page.content.decode()
    assert client.get(path[:-3] + "xx/").status_code in (400, 404)  # a forged token
    assert Application.objects.count() == 1
