"""Portal: what we keep and for how long; download my data (always the caller's own)."""

from django.urls import path

from . import views_privacy

app_name = "portal_privacy"
urlpatterns = [
    path("", views_privacy.portal_privacy, name="home"),
]
