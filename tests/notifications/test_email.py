"""Email through a real SMTP server (aiosmtpd on loopback): parts, branding, failures, retries."""

from __future__ import annotations

import threading
from email.utils import make_msgid

import pytest
from django.utils import timezone

from ispcare.notifications import outbox
from ispcare.notifications.choices import Failure, Status
from ispcare.notifications.models import Notification
from ispcare.notifications.receipts import bounce_ingest

from .support import announce, make_due

pytestmark = pytest.mark.django_db


def test_email_goes_out_with_text_and_branded_html_parts(smtp):
    (row,) = announce("mail", name="<script>alert(1)</script> Dewi")
    result = outbox.drain("email")
    assert result.sent == 1
    (msg,) = smtp.received
    assert msg["To"] == "dewi@example.id" and msg["Subject"] == "Gangguan"
    assert msg["X-ISPcare-Notification"] == str(row.pk)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "<script>alert(1)</script> Dewi" in text  # plain text is not escaped
    assert "<script>" not in html and "&lt;script&gt;" in html  # HTML is
    assert "Vokasi.Net" in html and "#0b5cad" in html  # the ISP's branding
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1 and row.sent_at is not None
    assert row.provider_id == msg["Message-ID"]


def test_a_refused_mailbox_is_a_permanent_failure(smtp):
    smtp.refuse.add("nobody@example.id")
    announce("gone", email="nobody@example.id")
    announce("fine", email="fine@example.id")
    result = outbox.drain("email")
    assert (result.sent, result.failed) == (1, 1)
    row = Notification.objects.get(to="nobody@example.id")
    assert row.status == Status.FAILED and row.failure == Failure.REJECTED
    assert "550" in row.last_error and row.next_attempt_at is None
    make_due()
    assert outbox.drain("email").sent == 0  # never retried
    assert [m["To"] for m in smtp.received] == ["fine@example.id"]


def test_smtp_down_keeps_messages_queued_with_backoff_and_the_error(smtp):
    smtp.stop()
    announce("a")
    announce("b", email="b@example.id")
    result = outbox.drain("email")
    assert result.sent == 0 and result.retried == 1 and result.waiting == 1
    first, second = Notification.objects.order_by("id")
    assert first.status == Status.QUEUED and first.attempts == 1
    assert "Connection refused" in first.last_error or "Errno" in first.last_error
    assert first.next_attempt_at > timezone.now()  # backoff
    assert second.attempts == 0 and second.status == Status.QUEUED  # not tried, not counted
    assert outbox.drain("email").sent == 0  # not due yet
    smtp.start()
    make_due()
    assert outbox.drain("email").sent == 2
    assert sorted(m["To"] for m in smtp.received) == ["b@example.id", "dewi@example.id"]


def test_smtp_stopping_mid_batch_loses_nothing_and_doubles_nothing(smtp, settings):
    """Stop the server after 20 of 60 accepted messages, start it again: 60 arrive once each."""
    settings.NOTIFY = {**settings.NOTIFY, "batch": 100}
    rows = [announce(f"batch-{i}", email=f"c{i}@example.id")[0].pk for i in range(60)]

    def stop_after_twenty(n: int) -> None:
        if n == 20:
            # aiosmtpd cannot stop itself from its own loop thread: do it from another.
            threading.Thread(target=smtp.stop).start()

    smtp.after_each = stop_after_twenty
    first = outbox.drain("email")
    assert first.sent >= 20 and first.sent < 60
    smtp.after_each = None
    for _ in range(50):  # wait for the stopper thread
        if not smtp.running:
            break
        threading.Event().wait(0.05)
    smtp.start()
    for _ in range(5):
        make_due()
        outbox.drain("email")
    ids = smtp.ids()
    assert sorted(map(int, ids)) == sorted(rows)  # every message, none twice
    assert Notification.objects.filter(pk__in=rows, status=Status.SENT).count() == 60


def test_after_max_attempts_it_gives_up_and_says_so(smtp, settings):
    settings.NOTIFY = {**settings.NOTIFY, "max_attempts": 2}
    smtp.stop()
    (row,) = announce("giveup")
    outbox.drain("email")
    make_due()
    outbox.drain("email")
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.failure == Failure.GAVE_UP and row.attempts == 2


def test_a_crashed_workers_claim_expires_and_the_row_is_sent(smtp):
    (row,) = announce("lease")
    claimed = outbox.claim("email", limit=10, now=timezone.now())
    assert [r.pk for r in claimed] == [row.pk]
    assert outbox.drain("email").sent == 0  # claimed by the "crashed" worker: leased
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox.drain("email").sent == 1
    assert len(smtp.received) == 1


def _dsn(original_id: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A bounce report (RFC 3464) as Postfix writes it."""
    return (
        "From: MAILER-DAEMON@mx.example.id (Mail Delivery System)\r\n"
        "To: bounces@vokasi.net\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        "This is the mail system at host mx.example.id.\r\n"
        "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.id\r\n\r\n"
        "Final-Recipient: rfc822; dewi@example.id\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <dewi@example.id>: User unknown\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nSubject: Gangguan\r\n"
        "\r\n--B--\r\n"
    ).encode()


def test_a_bounce_report_marks_the_email_failed(smtp):
    (row,) = announce("bounce")
    outbox.drain("email")
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert bounce_ingest(raw=_dsn(row.provider_id, action="delayed", status="4.4.1")) is None
    row.refresh_from_db()
    assert row.status == Status.SENT  # a delay report changes nothing
    assert bounce_ingest(raw=_dsn(make_msgid(domain="elsewhere.id"))) is None  # not ours
    bounced = bounce_ingest(raw=_dsn(row.provider_id))
    assert bounced.pk == row.pk
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.failure == Failure.BOUNCED
    assert "User unknown" in row.last_error


def test_bounce_ingest_refuses_what_is_not_a_report():
    from ispcare.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        bounce_ingest(raw=b"Subject: hello\r\n\r\njust a mail\r\n")
    assert exc.value.code == "not_a_dsn"


def test_bounce_command_reads_the_report_from_stdin(smtp, monkeypatch, capsys):
    import io

    from django.core.management import call_command

    (row,) = announce("bounce-cmd")
    outbox.drain("email")
    row.refresh_from_db()
    stdin = io.TextIOWrapper(io.BytesIO(_dsn(row.provider_id)))
    monkeypatch.setattr("sys.stdin", stdin)
    call_command("notifications_bounce")
    assert f"notification {row.pk} marked bounced" in capsys.readouterr().out
    row.refresh_from_db()
    assert row.failure == Failure.BOUNCED


def test_the_minute_sweep_sends_what_has_become_due(smtp):
    from ispcare.jobs import outbox_sweep

    announce("sweep")
    outbox_sweep()  # the periodic job: due rows of each channel are drained
    assert len(smtp.received) == 1
    assert Notification.objects.get().status == Status.SENT
