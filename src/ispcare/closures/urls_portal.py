"""Portal: request termination, read the instructions, cancel, the settlement statement."""

from django.urls import path

from . import views_portal

app_name = "portal_closures"
urlpatterns = [
    path("<int:pk>/", views_portal.closure_detail, name="closure"),
]
