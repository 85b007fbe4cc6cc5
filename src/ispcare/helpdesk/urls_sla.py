"""Supervisors' SLA page under /staff/helpdesk/sla/: open breached tickets and the trend."""

from django.urls import path

from . import views_sla

app_name = "helpdesk_sla"

urlpatterns = [
    path("", views_sla.breach_list, name="breaches"),
]
