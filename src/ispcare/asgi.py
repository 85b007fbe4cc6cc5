"""ASGI entry point: HTTP through Django, WebSockets through Channels (routes come with chat)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ispcare.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402

from ispcare.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Garbage collection in the web process (bench/chat.py, docs/performance.md): with 1,000
# open WebSockets the heap is large and a full collection stops the event loop for
# ~200 ms, every chat message in flight with it. What Django and the app loaded at start
# is frozen (never scanned again), and collections run on bigger batches, so full
# collections are rare; cyclic garbage is still collected.
import gc  # noqa: E402

gc.freeze()
gc.set_threshold(50_000, 20, 100)
