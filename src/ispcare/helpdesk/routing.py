"""WebSocket routes of the helpdesk (included by ispcare/routing.py)."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/chat/", consumers.ChatConsumer.as_asgi()),
    path("ws/chat/<int:conversation_id>/", consumers.ChatConsumer.as_asgi()),
    path("ws/agent/", consumers.AgentConsumer.as_asgi()),
    path("ws/tickets/<int:ticket_id>/", consumers.TicketConsumer.as_asgi()),
]
