"""The customer's helpdesk pages under /portal/help/: their tickets, opening one, chat."""

from django.urls import path

from . import views_portal

app_name = "portal_helpdesk"

urlpatterns = [
    path("tickets/", views_portal.ticket_list, name="ticket_list"),
    path("tickets/<int:pk>/", views_portal.ticket_detail, name="ticket"),
]
