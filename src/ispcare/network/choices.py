"""Vocabularies of the network app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .specs import AccessState

__all__ = ["AccessState", "ApplyStatus", "Backend", "CoaKind", "CoaStatus", "NodeKind", "Vendor"]


class NodeKind(models.TextChoices):
    POP = "pop", _("POP")
    ROUTER = "router", _("Router / NAS")
    OLT = "olt", _("OLT")
    AP = "ap", _("Access point")


# What may hang below what: POP > router > OLT/AP.
PARENT_KINDS = {
    NodeKind.POP: (),
    NodeKind.ROUTER: (NodeKind.POP,),
    NodeKind.OLT: (NodeKind.ROUTER,),
    NodeKind.AP: (NodeKind.ROUTER,),
}


class Vendor(models.TextChoices):
    MIKROTIK = "mikrotik", _("MikroTik")
    OTHER = "other", _("Other")


class Backend(models.TextChoices):
    FREERADIUS = "freeradius", _("FreeRADIUS")
    MIKROTIK = "mikrotik", _("MikroTik API")


class ApplyStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPLIED = "applied", _("Applied")


class CoaKind(models.TextChoices):
    COA = "coa", _("Change of authorization")
    DISCONNECT = "disconnect", _("Disconnect")


class CoaStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    ACK = "ack", _("Acknowledged")
    FAILED = "failed", _("Gave up")
    STALE = "stale", _("Acknowledged, but the session stayed open")
