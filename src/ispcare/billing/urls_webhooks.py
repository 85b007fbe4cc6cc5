"""Payment gateways' notifications (public, verified by signature or token)."""

from django.urls import path

from . import webhooks

app_name = "payment_webhooks"
urlpatterns = [
    path("midtrans/", webhooks.midtrans_notification, name="midtrans"),
    path("xendit/", webhooks.xendit_callback, name="xendit"),
]
