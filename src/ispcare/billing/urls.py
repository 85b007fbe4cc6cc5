from django.urls import path

from . import views, views_docs

app_name = "billing"
urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pay/", views.payment_create, name="payment_create"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/pdf/", views_docs.invoice_pdf, name="invoice_pdf"),
    path("payments/<int:payment_pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:payment_pk>/receipt/", views_docs.receipt_pdf, name="receipt_pdf"),
    path("payments/<int:payment_pk>/proof/", views_docs.proof_download, name="proof_download"),
    path("customers/<int:customer_pk>/panel/", views.customer_panel, name="customer_panel"),
    path(
        "customers/<int:customer_pk>/pay/",
        views.customer_payment_create,
        name="customer_payment_create",
    ),
    path("customers/<int:customer_pk>/adjust/", views.customer_adjust, name="customer_adjust"),
    path("prices/", views.plan_prices, name="plan_prices"),
]
