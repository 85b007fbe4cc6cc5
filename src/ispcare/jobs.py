"""The one periodic schedule: every recurring job is declared here, and only calls services.

Billing (invoices, reminders, isolation), network (sweep, reconcile) and later closures
(data retention) declare theirs here.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def sessions_clear() -> None:
    """Drop expired login sessions so the table stays small."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()


@db_periodic_task(crontab(minute="*"))
def outbox_sweep() -> None:
    """Start delivery for messages whose retry time has come (or whose worker died)."""
    from ispcare.notifications.choices import EXTERNAL_CHANNELS
    from ispcare.notifications.outbox import due_count
    from ispcare.notifications.tasks import outbox_drain

    for channel in EXTERNAL_CHANNELS:
        if due_count(channel):
            outbox_drain(channel)


@db_periodic_task(crontab(minute="*"))
def network_sweep() -> None:
    """Retry network changes and CoA requests whose time has come; flag stale disconnects."""
    from ispcare.network import coa, services

    for backend in services.enabled_backends():
        services.access_apply_due(backend=backend)
    coa.coa_send_due()
    coa.coa_flag_stale()


@db_periodic_task(crontab(minute="*/10"))
def network_reconcile() -> None:
    """Plans' groups, the NAS list and every subscriber's rows back to what ISPcare wants."""
    from ispcare.customers.network import plan_groups
    from ispcare.network.reconcile import reconcile

    reconcile(groups=plan_groups())


# Billing. Huey's crontab runs in UTC: WIB is UTC+7 all year (no daylight saving).
@db_periodic_task(crontab(minute="5"))
def billing_invoices() -> None:
    """Issue the invoices of every period that has ended and is not billed yet (hourly, so
    a machine that was off catches up within the hour it is back; a no-op otherwise)."""
    from ispcare.billing.run import invoices_run

    invoices_run()


@db_periodic_task(crontab(minute="0", hour="2"))
def billing_reminders() -> None:
    """New invoice, H-3, due today and overdue reminders, at 09:00 WIB."""
    from ispcare.billing.dunning import reminders_run

    reminders_run()


@db_periodic_task(crontab(minute="30", hour="2-9"))
def billing_isolation() -> None:
    """Isolate the overdue past their grace period, hourly from 09:30 to 16:30 WIB, when
    customer service is there to help; and lift isolation nothing overdue justifies."""
    from ispcare.billing.dunning import isolation_run

    isolation_run()


@db_periodic_task(crontab(minute="*/5"))
def gateway_events_sweep() -> None:
    """Apply payment notifications that were stored but never applied (a worker died)."""
    from ispcare.billing.online import gateway_events_apply_due

    gateway_events_apply_due()


# Helpdesk.
@db_periodic_task(crontab(minute="*"))
def helpdesk_sla_sweep() -> None:
    """Mark SLA breaches, escalate them to supervisors and remind whoever owes a ticket its
    next step (set-based and idempotent: a minute missed is caught up by the next)."""
    from ispcare.helpdesk.sla_jobs import sla_sweep

    sla_sweep()


# Closing.
@db_periodic_task(crontab(minute="10"))
def closures_sweep() -> None:
    """End the service of every termination whose end date has come: network access
    disabled (RADIUS reject, session disconnected). Hourly, so the first run of the end
    date (00:10 WIB) does it and a machine that was off catches up."""
    from ispcare.closures.services import closures_sweep

    closures_sweep()


@db_periodic_task(crontab(minute="40", hour="19"))
def privacy_anonymise() -> None:
    """Anonymise the personal data of customers closed longer than the retention period,
    then of registrations rejected longer than theirs (02:40 WIB, a quiet hour)."""
    from ispcare.closures.privacy import privacy_anonymise_due
    from ispcare.customers.privacy_applications import applications_anonymise_due

    privacy_anonymise_due()
    applications_anonymise_due()
