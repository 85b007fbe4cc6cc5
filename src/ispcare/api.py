"""The REST API root: /api/v1/. Each app contributes a router from its api.py."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="ISPcare API",
    version="1",
    description="Staff integrations and public registration for ISPcare.",
    urls_namespace="api",
)
