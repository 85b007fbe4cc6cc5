"""The REST API root: /api/v1/. Each app contributes a router from its api.py.

OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs; the committed
openapi.json is regenerated with `ispcare export_openapi` (a test diffs it).
"""

from .accounts.api_auth import BearerToken
from .billing.api import router as billing_router
from .billing.api_account import router as billing_account_router
from .closures.api import router as closures_router
from .common.api import ISPcareAPI
from .customers.api import router as customers_router
from .helpdesk.api import router as helpdesk_router
from .workorders.api import router as workorders_router

api = ISPcareAPI(
    title="ISPcare API",
    version="1",
    description=(
        "Staff integrations and public registration for ISPcare.\n\n"
        "**Auth**: `Authorization: Bearer <key>`, a key from `ispcare api_token_create "
        "--username U --name N`. The token acts as that staff member; each operation names "
        "the capability its role needs (401 `unauthenticated` without a valid token, 403 "
        "`forbidden` without the capability). `POST /registrations` is public.\n\n"
        "**Errors**: always `{code, message, fields}`; `message` and the field messages follow "
        "`Accept-Language` (id, en). Branch on `code`.\n\n"
        "**State** changes only through action endpoints (approve, reject, installation, "
        "complete, payments); no status or state field is writable."
    ),
    urls_namespace="api",
    # Every operation declares its own auth (requires(<capability>) or None for public);
    # this default only makes sure an operation that forgets still needs a token.
    auth=BearerToken(),
)
api.add_router("/", customers_router)
api.add_router("/", workorders_router)
api.add_router("/", billing_router)
api.add_router("/", billing_account_router)
api.add_router("/", helpdesk_router)
api.add_router("/", closures_router)
