"""The customer's helpdesk pages under /portal/help/: their tickets, opening one, chat."""

from django.urls import path

from . import views_portal

app_name = "portal_helpdesk"

urlpatterns = [
    path("tickets/", views_portal.ticket_list, name="ticket_list"),
    path("tickets/new/", views_portal.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views_portal.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/live/", views_portal.ticket_live, name="ticket_live"),
    path("tickets/<int:pk>/reply/", views_portal.ticket_reply, name="ticket_reply"),
]
