"""Portal: download my data (filled in by the privacy work)."""

from django.urls import path  # noqa: F401

app_name = "portal_privacy"
urlpatterns: list = []
