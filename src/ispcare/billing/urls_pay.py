"""Portal: pay online through a payment gateway."""

from django.urls import path  # noqa: F401

app_name = "portal_pay"
urlpatterns: list = []
