from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pay/", views.payment_create, name="payment_create"),
    path("customers/<int:customer_pk>/panel/", views.customer_panel, name="customer_panel"),
]
