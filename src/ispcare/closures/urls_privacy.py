"""Staff: what was anonymised and when (filled in by the privacy work)."""

from django.urls import path  # noqa: F401

app_name = "privacy"
urlpatterns: list = []
