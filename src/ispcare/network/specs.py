"""What the network layer is told: plain specs, nothing about customers.

The network access issue adds the adapters (FreeRADIUS SQL, CoA, MikroTik) that apply an
`AccessSpec`; until then the customers app derives it so the seam is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessState(models.TextChoices):
    ACTIVE = "active", _("Active")
    ISOLATED = "isolated", _("Isolated")
    DISABLED = "disabled", _("Disabled")


@dataclass(frozen=True)
class AccessSpec:
    username: str
    password: str
    profile: str
    state: AccessState
    nas: str = ""  # the NAS address the subscriber logs in through
    node: int | None = None  # the network node (OLT, AP, router) the subscriber hangs on
