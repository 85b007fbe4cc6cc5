"""Read one bounce report (RFC 3464 DSN) from standard input and mark its email failed.

Wire it to the bounce address of the mail server, e.g. in Postfix /etc/aliases:
    bounces: "|/opt/ispcare/.venv/bin/ispcare notifications_bounce"
Exit status 0 also for reports that are not ours, so the MTA does not bounce the bounce.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from ispcare.common.errors import ValidationFailed
from ispcare.notifications.receipts import bounce_ingest


class Command(BaseCommand):
    help = "Mark the email a bounce report (read from stdin) refers to as failed."

    def handle(self, *args, **options):
        raw = sys.stdin.buffer.read(5_000_000)
        try:
            row = bounce_ingest(raw=raw)
        except ValidationFailed as exc:
            self.stderr.write(f"ignored: {exc.message}")
            return
        if row is None:
            self.stdout.write("ignored: not a permanent failure of one of our messages")
        else:
            self.stdout.write(f"notification {row.pk} marked bounced")
