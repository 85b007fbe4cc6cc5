from django.db import models
from django.utils.translation import gettext_lazy as _


class ClosureStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    IN_PROGRESS = "in_progress", _("Being processed")
    ENDED = "ended", _("Service ended")
    SETTLED = "settled", _("Settlement issued")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn: the customer stays")


# A subscription has at most one request in these states.
OPEN_STATUSES = (
    ClosureStatus.REQUESTED,
    ClosureStatus.IN_PROGRESS,
    ClosureStatus.ENDED,
    ClosureStatus.SETTLED,
)


class ClosureReason(models.TextChoices):
    MOVING = "moving", _("Moving house")
    PRICE = "price", _("Too expensive")
    QUALITY = "quality", _("Service quality or frequent faults")
    COMPETITOR = "competitor", _("Switching to another provider")
    NOT_NEEDED = "not_needed", _("No longer needed")
    SUPPORT = "support", _("Unhappy with customer service")
    OTHER = "other", _("Other")


class ReturnMethod(models.TextChoices):
    PICKUP = "pickup", _("A technician picks it up")
    DROPOFF = "dropoff", _("I bring it to the office")


class RequestChannel(models.TextChoices):
    PORTAL = "portal", _("Customer portal")
    STAFF = "staff", _("Staff (phone, counter)")
    API = "api", _("API")


class OfferOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
