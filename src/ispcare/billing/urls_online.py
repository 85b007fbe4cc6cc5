"""Staff: online payments (links, gateway notifications, amounts flagged for finance)."""

from django.urls import path

from . import views_online as views

app_name = "billing_online"
urlpatterns = [
    path("", views.links, name="links"),
    path("events/", views.events, name="events"),
]
