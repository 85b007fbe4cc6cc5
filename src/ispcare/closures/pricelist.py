"""The equipment price list's one writer: what a device of each type costs the customer
when it comes back damaged or not at all. Charges already frozen on checked-in devices
never change."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import ValidationFailed
from ispcare.customers.choices import EquipmentKind

from .models import EquipmentPrice

log = logging.getLogger(__name__)
_MAX = 100_000_000  # Rp 100 million: a typo guard, far above any device


def _valid(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= _MAX


def equipment_prices_set(
    *, prices: dict[str, tuple[int, int] | None], actor: Any
) -> list[EquipmentPrice]:
    """Replace the price list: `prices[kind] = (damaged, missing)` in whole rupiah, or None
    for no charge on that type. All or nothing."""
    errors: dict[str, list] = {}
    for kind, pair in prices.items():
        if kind not in EquipmentKind.values:
            errors[kind] = [_("Unknown equipment type.")]
            continue
        if pair is None:
            continue
        for which, value in zip(("damaged", "missing"), pair, strict=True):
            if not _valid(value):
                errors[f"{kind}_{which}"] = [
                    _("Enter a whole rupiah amount of 0 or more (at most Rp 100.000.000).")
                ]
    if errors:
        raise ValidationFailed(_("Check the price list."), fields=errors)
    with transaction.atomic():
        for kind, pair in prices.items():
            if pair is None:
                EquipmentPrice.objects.filter(kind=kind).delete()
            else:
                EquipmentPrice.objects.update_or_create(
                    kind=kind, defaults={"damaged_charge": pair[0], "missing_charge": pair[1]}
                )
    log.info("equipment prices set by %s: %s", getattr(actor, "pk", actor), prices)
    return list(EquipmentPrice.objects.all())
