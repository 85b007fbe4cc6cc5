from django.urls import path

from . import views_portal as views

app_name = "portal_billing"
urlpatterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("due-panel/", views.due_panel, name="due_panel"),
]
