"""Staff billing reports: unpaid list, aging, daily cash, ledger, exports, runs."""

from django.urls import path  # noqa: F401

app_name = "billing_reports"
urlpatterns: list = []
