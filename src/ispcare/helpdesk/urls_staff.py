"""Staff helpdesk pages under /staff/helpdesk/: tickets, the agent console, SLA breaches."""

from django.urls import path

from . import views_staff

app_name = "helpdesk"

urlpatterns = [
    path("tickets/", views_staff.ticket_list, name="ticket_list"),
    path("tickets/<int:pk>/", views_staff.ticket_detail, name="ticket_detail"),
]
