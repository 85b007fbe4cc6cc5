"""Staff: the closing queue, a request's page, check-in, settlement."""

from django.urls import path  # noqa: F401

app_name = "closures"
urlpatterns: list = []
