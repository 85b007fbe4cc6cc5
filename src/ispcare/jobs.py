"""The one periodic schedule: every recurring job is declared here, and only calls services.

Onboarding has no periodic work yet; billing (dunning), network (reconcile) and
closures (data retention) add theirs here.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def sessions_clear() -> None:
    """Drop expired login sessions so the table stays small."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()
