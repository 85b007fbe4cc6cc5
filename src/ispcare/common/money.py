"""Money is whole rupiah in integers; shown as `Rp 1.500.000`."""

from __future__ import annotations


def format_rupiah(amount: int | None) -> str:
    if amount is None:
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")
