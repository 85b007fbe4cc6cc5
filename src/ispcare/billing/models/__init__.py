"""Billing's tables: invoices and their lines, payments and their allocations, credits and
charges waiting for the next invoice, plan prices by period, online payment links and
gateway notifications, refunds at closing, and the record of each periodic run."""

from .adjustments import Adjustment
from .gateway import GatewayEvent, PaymentLink
from .invoices import Invoice, InvoiceLine
from .payments import Allocation, Payment
from .prices import PlanPrice
from .refunds import Refund
from .runs import BillingRun

__all__ = [
    "Adjustment",
    "Allocation",
    "BillingRun",
    "GatewayEvent",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "PaymentLink",
    "PlanPrice",
    "Refund",
]
