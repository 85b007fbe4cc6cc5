"""Email over SMTP with Django's mail: a plain-text part and the ISP's branded HTML part.

One SMTP connection per batch. Each message's outcome is recorded on its own, so an
SMTP server that goes away mid-batch leaves the messages it accepted sent and the
rest queued: none lost, none sent twice.
"""

from __future__ import annotations

import contextlib
import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from ..choices import Channel, Failure
from ..documents import document_render
from ..pacing import Pacer
from .base import Outcome

HEADER_ID = "X-ISPcare-Notification"


def _domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">")
    return address.rpartition("@")[2] or "localhost"


def build_email(row) -> EmailMultiAlternatives:
    with translation.override(row.language):
        html = render_to_string(
            "notifications/email/branded.html",
            {
                "subject": row.subject,
                "body": row.body,
                "isp": settings.ISP_NAME,
                "isp_address": settings.ISP_ADDRESS,
                "support_phone": settings.ISP_SUPPORT_PHONE,
                "support_email": settings.ISP_SUPPORT_EMAIL,
                "portal_url": settings.PUBLIC_BASE_URL + "/",
                "language": row.language,
            },
        )
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        reply_to=[settings.ISP_SUPPORT_EMAIL],
        headers={
            # Kept as the provider id: a bounce quotes it back (receipts.bounce_ingest).
            "Message-ID": make_msgid(idstring=f"n{row.pk}", domain=_domain()),
            HEADER_ID: str(row.pk),
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    if row.attachment:
        document = document_render(row.attachment)
        if document is not None:
            message.attach(document.filename, document.content, document.mimetype)
    return message


def _smtp_code(exc: Exception) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return codes[0] if codes else 0
    return getattr(exc, "smtp_code", 0) or 0


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        ]
        return "SMTP refused the recipient — " + "; ".join(parts)
    return f"{type(exc).__name__}: {exc}"


class EmailAdapter:
    def __init__(self, *, pacer: Pacer | None = None):
        self.pacer = pacer or Pacer(Channel.EMAIL, settings.NOTIFY["rate"]["email"])

    def send(self, rows) -> list[Outcome | None]:
        outcomes: list[Outcome | None] = [None] * len(rows)
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            # The server is down: one attempt is counted on the first row, the rest wait.
            if rows:
                outcomes[0] = Outcome(False, error=_describe(exc), failure=Failure.TEMPORARY)
            return outcomes
        try:
            for i, row in enumerate(rows):
                self.pacer.wait()
                message = build_email(row)
                try:
                    connection.send_messages([message])
                except (
                    smtplib.SMTPRecipientsRefused,
                    smtplib.SMTPSenderRefused,
                    smtplib.SMTPDataError,
                ) as exc:
                    code = _smtp_code(exc)
                    # 5xx: the server will never take it (no such user, refused); 4xx: later.
                    permanent = 500 <= code < 600
                    outcomes[i] = Outcome(
                        False,
                        error=_describe(exc),
                        failure=Failure.REJECTED if permanent else Failure.TEMPORARY,
                        permanent=permanent,
                    )
                    if not permanent and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                        break
                except (TimeoutError, OSError, smtplib.SMTPException) as exc:
                    # Connection lost: this one is retried, the rest of the batch waits.
                    outcomes[i] = Outcome(False, error=_describe(exc), failure=Failure.TEMPORARY)
                    break
                else:
                    outcomes[i] = Outcome(True, provider_id=message.extra_headers["Message-ID"])
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                connection.close()  # a dead connection may not close cleanly; outcomes stand
        return outcomes

    def close(self) -> None:
        """Nothing held between batches: each batch opens and closes its SMTP connection."""
