"""Payment gateways ISPcare takes online payments through: Midtrans (Snap) and Xendit
(invoices). Each module speaks one gateway's HTTP API and reads its notifications into a
`Notice`; what the money does is decided in billing.online."""

from .base import Checkout, GatewayDown, GatewayRefused, Notice, enabled, module

__all__ = ["Checkout", "GatewayDown", "GatewayRefused", "Notice", "enabled", "module"]
