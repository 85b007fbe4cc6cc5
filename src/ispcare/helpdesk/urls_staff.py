"""Staff helpdesk pages under /staff/helpdesk/: tickets, the agent console, SLA breaches."""

from django.urls import path

from . import views_staff
from . import views_staff_ticket as one

app_name = "helpdesk"

urlpatterns = [
    path("tickets/", views_staff.ticket_list, name="ticket_list"),
    path("tickets/new/", views_staff.ticket_new, name="ticket_new"),
    path("tickets/assign/", views_staff.ticket_bulk_assign, name="ticket_bulk_assign"),
    path("tickets/views/save/", views_staff.saved_view_create, name="saved_view_create"),
    path("tickets/views/delete/", views_staff.saved_view_delete, name="saved_view_delete"),
    path("jobs/<int:work_order_pk>/ticket/", views_staff.job_ticket, name="job_ticket"),
    path("tickets/<int:pk>/", one.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/reply/", one.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/note/", one.ticket_note, name="ticket_note"),
    path("tickets/<int:pk>/eta/", one.ticket_eta, name="ticket_eta"),
    path("tickets/<int:pk>/status/", one.ticket_transition, name="ticket_transition"),
    path("tickets/<int:pk>/priority/", one.ticket_priority, name="ticket_priority"),
    path("tickets/<int:pk>/assign/", one.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/investigation/", one.ticket_investigate, name="ticket_investigate"),
    path("tickets/<int:pk>/solution/", one.ticket_solution, name="ticket_solution"),
    path("tickets/<int:pk>/contact/", one.ticket_contact, name="ticket_contact"),
    path("tickets/<int:pk>/technician/", one.ticket_escalate, name="ticket_escalate"),
    path("tickets/<int:pk>/visit/", one.ticket_visit, name="ticket_visit"),
]
