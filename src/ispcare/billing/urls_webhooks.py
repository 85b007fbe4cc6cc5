"""Payment gateways' notifications (public, verified by signature or token)."""

from django.urls import path  # noqa: F401

app_name = "payment_webhooks"
urlpatterns: list = []
