"""WebSocket routes of every app (the helpdesk chat adds its consumers here)."""

from ispcare.helpdesk.routing import websocket_urlpatterns as helpdesk_ws

websocket_urlpatterns: list = [*helpdesk_ws]
