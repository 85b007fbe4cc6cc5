"""Staff: what was anonymised and when; a customer's data download on their request."""

from django.urls import path

from . import views_privacy

app_name = "privacy"
urlpatterns = [
    path("", views_privacy.erasure_log, name="log"),
    path("export/", views_privacy.customer_export, name="export"),
]
