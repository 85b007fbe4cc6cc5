from django.urls import path

from . import views_portal as views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("welcome/<str:uidb64>/<str:token>/", views.welcome, name="welcome"),
    path("notifications/", views.notifications, name="notifications"),
    path("preferences/", views.preferences, name="preferences"),
    path("sessions/", views.sessions, name="sessions"),
]
