"""Billing's service layer, for other apps and the API: what each name does lives in the
module it comes from (invoicing, payments, run, dunning, pricing, closing)."""

from .closing import (
    balance_write_off,
    credit_left,
    deposit_apply,
    deposit_held,
    deposit_unpaid_void,
    refund_record,
)
from .dunning import isolation_run, overdue_restore, reminders_run
from .invoicing import (
    adjustment_add,
    deposit_invoice_issue,
    final_invoice_issue,
    installation_invoice_ensure,
    installation_invoice_void_unpaid,
    invoice_issue,
    invoice_void,
    open_balance,
)
from .payments import credit_allocate, payment_record
from .pricing import plan_price_change
from .run import invoices_run

__all__ = [
    "adjustment_add",
    "balance_write_off",
    "credit_allocate",
    "credit_left",
    "deposit_apply",
    "deposit_held",
    "deposit_invoice_issue",
    "deposit_unpaid_void",
    "final_invoice_issue",
    "installation_invoice_ensure",
    "installation_invoice_void_unpaid",
    "invoice_issue",
    "invoice_void",
    "invoices_run",
    "isolation_run",
    "open_balance",
    "overdue_restore",
    "payment_record",
    "plan_price_change",
    "refund_record",
    "reminders_run",
]
