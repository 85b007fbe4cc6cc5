"""The one periodic schedule: every recurring job is declared here, and only calls services.

Billing (dunning), network (reconcile) and closures (data retention) add theirs here.
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
