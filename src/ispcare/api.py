"""The REST API root: /api/v1/. Each app contributes a router from its api.py."""

from ninja import NinjaAPI

from .accounts.api_auth import TokenAuth
from .billing.api import router as billing_router
from .common.api import install_error_handlers
from .customers.api import router as customers_router
from .workorders.api import router as workorders_router

api = NinjaAPI(
    title="ISPcare API",
    version="1",
    description=(
        "Staff integrations (bearer token from `ispcare api_token_create`) and public registration. "
        "Errors: {code, message, fields} in the request's language (Accept-Language). "
        "State changes are action endpoints; no status is writable."
    ),
    urls_namespace="api",
    auth=TokenAuth(),
)
install_error_handlers(api)
api.add_router("/", customers_router)
api.add_router("/", workorders_router)
api.add_router("/", billing_router)
