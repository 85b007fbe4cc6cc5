"""WebSocket routes of every app (the helpdesk chat adds its consumers here)."""

websocket_urlpatterns: list = []
