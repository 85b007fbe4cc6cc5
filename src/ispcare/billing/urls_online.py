"""Staff: online payments (links, gateway notifications, amounts flagged for finance)."""

from django.urls import path  # noqa: F401

app_name = "billing_online"
urlpatterns: list = []
