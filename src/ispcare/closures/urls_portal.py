"""Portal: request termination, read the instructions, cancel, the settlement statement.
Every route's argument is the closure id (`pk`)."""

from django.urls import path

from . import views_portal

app_name = "portal_closures"
urlpatterns = [
    path("", views_portal.index, name="index"),
    path("new/", views_portal.request_new, name="request"),
    path("<int:pk>/", views_portal.closure_detail, name="closure"),
    path("<int:pk>/cancel/", views_portal.cancel, name="cancel"),
    path("<int:pk>/offer/", views_portal.offer_answer, name="offer_answer"),
    path("<int:pk>/statement.pdf", views_portal.statement, name="statement"),
]
