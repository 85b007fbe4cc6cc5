"""Portal: request termination, read the instructions, cancel, the settlement statement."""

from django.urls import path  # noqa: F401

app_name = "portal_closures"
urlpatterns: list = []
