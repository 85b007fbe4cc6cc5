"""The agent console under /staff/helpdesk/chat/ (capability helpdesk.chat)."""

from django.urls import path

from . import views_console as views

app_name = "helpdesk_console"

urlpatterns = [
    path("", views.console, name="console"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.conversation, name="conversation"),
    path("<int:pk>/context/", views.conversation_context, name="conversation_context"),
    path("<int:pk>/claim/", views.conversation_claim, name="conversation_claim"),
    path("<int:pk>/transfer/", views.conversation_transfer, name="conversation_transfer"),
    path("<int:pk>/close/", views.conversation_close, name="conversation_close"),
    path("<int:pk>/ticket/", views.conversation_ticket, name="conversation_ticket"),
    path("<int:pk>/upload/", views.conversation_upload, name="conversation_upload"),
]
