"""Closing a subscription: termination requests, equipment return, deposit settlement,
win-back offers, and the personal-data rules (export, anonymisation after retention)."""
