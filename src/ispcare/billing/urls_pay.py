"""Portal: pay online through a payment gateway."""

from django.urls import path

from . import views_pay as views

app_name = "portal_pay"
urlpatterns = [
    path("", views.create, name="create"),
    path("return/", views.done, name="done"),
    path("<int:link_pk>/status/", views.status, name="status"),
]
