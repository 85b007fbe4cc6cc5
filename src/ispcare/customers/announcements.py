"""Announcements to many customers: pick the audience here, send through the outbox.

The audience is read set-based (one query, only the columns a message needs) and handed
to notifications.bulk_send_create as plain recipients. Network nodes (every customer
behind one router) by the network node they hang on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from ispcare.network.selectors import subtree
from ispcare.notifications.models import BulkSend
from ispcare.notifications.services import Recipient, bulk_send_create

from .choices import SubscriptionState
from .models import Customer

# Customers who have a live service: these hear about outages and maintenance.
LIVE_STATES = (
    SubscriptionState.ACTIVE,
    SubscriptionState.ISOLATED,
    SubscriptionState.AWAITING_DEPOSIT,
)


@dataclass(frozen=True)
class Audience:
    states: tuple[str, ...] = tuple(LIVE_STATES)
    plan_id: int | None = None
    kecamatan: str = ""
    node_id: int | None = None  # this node and everything below it (a router's customers)

    def customers(self) -> QuerySet[Customer]:
        qs = Customer.objects.filter(subscriptions__state__in=self.states)
        if self.plan_id:
            qs = qs.filter(subscriptions__plan_id=self.plan_id)
        if self.kecamatan:
            qs = qs.filter(kecamatan__iexact=self.kecamatan)
        if self.node_id:
            qs = qs.filter(subscriptions__node_id__in=subtree(self.node_id))
        return qs.distinct()

    def count(self) -> int:
        return self.customers().count()


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def announcement_send(
    *, audience: Audience, text_id: Text, text_en: Text | None, label: str, by
) -> BulkSend:
    """Queue the announcement for every customer in `audience`, each in their language."""
    columns = ("id", "full_name", "email", "phone", "user_id", "language", "notify_channels")
    recipients = []
    for c in audience.customers().order_by().values(*columns).iterator(chunk_size=5000):
        text = text_en if (c["language"] == "en" and text_en) else text_id
        recipients.append(
            Recipient(
                name=c["full_name"],
                email=c["email"],
                phone=c["phone"],
                user_id=c["user_id"],
                language=c["language"],
                channels=tuple(x for x in c["notify_channels"].split(",") if x),
                ref=f"customer:{c['id']}",
                context={"name": c["full_name"], "subject": text.subject, "text": text.body},
            )
        )
    return bulk_send_create(
        title=text_id.subject,
        template="announcement",
        recipients=recipients,
        context={"isp": settings.ISP_NAME},
        audience=label,
        by=by,
    )
