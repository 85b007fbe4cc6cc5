"""Staff billing reports: unpaid list, aging, daily cash, ledger, exports, runs."""

from django.urls import path

from . import views_reports as views

app_name = "billing_reports"
CSV, XLSX = {"fmt": "csv"}, {"fmt": "xlsx"}
urlpatterns = [
    path("", views.unpaid, name="unpaid"),
    path("unpaid.csv", views.unpaid_export, CSV, name="unpaid_csv"),
    path("unpaid.xlsx", views.unpaid_export, XLSX, name="unpaid_xlsx"),
    path("aging/", views.aging, name="aging"),
    path("aging.csv", views.aging_export, CSV, name="aging_csv"),
    path("aging.xlsx", views.aging_export, XLSX, name="aging_xlsx"),
    path("cash/", views.daily_cash, name="cash"),
    path("cash.csv", views.daily_cash_export, CSV, name="cash_csv"),
    path("cash.xlsx", views.daily_cash_export, XLSX, name="cash_xlsx"),
    path("customers/<int:customer_pk>/ledger/", views.customer_ledger, name="ledger"),
    path(
        "customers/<int:customer_pk>/ledger.csv",
        views.customer_ledger_export,
        CSV,
        name="ledger_csv",
    ),
    path(
        "customers/<int:customer_pk>/ledger.xlsx",
        views.customer_ledger_export,
        XLSX,
        name="ledger_xlsx",
    ),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
]
