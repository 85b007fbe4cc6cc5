from django.urls import path

from . import views_portal as views

app_name = "portal_billing"
urlpatterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("receipts/<int:payment_pk>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("due-panel/", views.due_panel, name="due_panel"),
]
