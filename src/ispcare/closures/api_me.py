"""API: a logged-in customer's own termination requests (`/me/closures...`).

They use the portal's login session, as the portal pages do (`customer_required`): not
logged in → 401, a staff session → 403, a write without the portal's CSRF token → 403
`csrf_failed`; another customer's request, offer or subscription answers 404. Thin: the
closures services check and write.

Not mounted on /api/v1 yet: the API's contract (decision 0008, tests/api/test_auth.py and
test_openapi.py) has every operation on a staff token with a capability, and "no session
cookie access". Mounting it is one line at the end of closures/api.py,
`router.add_router("", me_router)`, once that decision is amended; until then
tests/api/test_closures_api.py serves it from a test API at the same paths.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from ninja.errors import AuthorizationError
from ninja.security import SessionAuth
from ninja.utils import check_csrf

from ispcare.accounts.roles import Role
from ispcare.common.api import AUTH_ERRORS, errors
from ispcare.common.errors import PermissionDenied
from ispcare.customers.models import Subscription

from . import services
from .api_out import closure_load, my_out
from .api_schemas import AnswerIn, CancelIn, ClosureIn, MyClosureOut
from .choices import RequestChannel
from .models import Closure, RetentionOffer

router = Router(tags=["Closing"])


class PortalSession(SessionAuth):
    """The customer portal's login session, for a customer's own requests.

    Not logged in → 401 "unauthenticated"; logged in as staff (or inactive) → 403
    "forbidden"; a write without the CSRF token the portal pages carry → 403 "csrf_failed".
    """

    openapi_description = (
        "The customer portal's session cookie (log in at /accounts/login/). Writes also need the "
        "CSRF token (`X-CSRFToken` header) as the portal's own forms do."
    )

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if user.role != Role.CUSTOMER or not user.is_active:
            raise AuthorizationError()
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request):
            raise PermissionDenied(
                _("The page's security token is missing or old: reload and try again."),
                code="csrf_failed",
            )
        return user


portal_session = PortalSession()

# Errors of the customer's operations: bad JSON, not logged in, staff session or no CSRF.
PORTAL_ERRORS = AUTH_ERRORS


def _mine(request, closure_id: int) -> Closure:
    return get_object_or_404(Closure, pk=closure_id, customer__user=request.auth)


def _my_out(closure_id: int) -> dict:
    return my_out(closure_load(closure_id))


@router.get(
    "/me/closures",
    auth=portal_session,
    response={200: list[MyClosureOut], **errors(*PORTAL_ERRORS, 422)},
    summary="My termination requests",
)
def my_closures(request):
    """The logged-in customer's termination requests, newest first, each with the
    devices to return, the settlement statement and the offers. Auth: the portal session
    (customers only)."""
    rows = (
        Closure.objects.filter(customer__user=request.auth)
        .select_related("customer", "settlement__final_invoice", "settlement__refund")
        .order_by("-created_at", "-id")
    )
    return [my_out(c) for c in rows]


@router.post(
    "/me/closures",
    auth=portal_session,
    response={201: MyClosureOut, **errors(*PORTAL_ERRORS, 404, 409, 422)},
    summary="Ask to end my subscription",
)
def my_closure_create(request, payload: ClosureIn):
    """A termination request for one of the customer's own subscriptions (another's: 404);
    the closing instructions are sent at once. 409 `closure.already_open`,
    `closure.not_terminable`. Auth: the portal session (customers only)."""
    get_object_or_404(Subscription, pk=payload.subscription_id, customer__user=request.auth)
    closure = services.closure_request(
        actor=request.auth, channel=RequestChannel.API, **payload.dict()
    )
    return Status(201, _my_out(closure.pk))


@router.get(
    "/me/closures/{closure_id}",
    auth=portal_session,
    response={200: MyClosureOut, **errors(*PORTAL_ERRORS, 404, 422)},
    summary="One of my termination requests",
)
def my_closure(request, closure_id: int):
    """One of the customer's requests (another's: 404). Auth: the portal session
    (customers only)."""
    _mine(request, closure_id)
    return _my_out(closure_id)


@router.post(
    "/me/closures/{closure_id}/cancel",
    auth=portal_session,
    response={200: MyClosureOut, **errors(*PORTAL_ERRORS, 404, 409, 422)},
    summary="Cancel my termination request",
)
def my_closure_cancel(request, closure_id: int, payload: CancelIn | None = None):
    """Until the closing team processes it (then 409 `closure.illegal_transition`).
    Auth: the portal session (customers only)."""
    _mine(request, closure_id)
    services.closure_cancel(
        closure_id=closure_id, actor=request.auth, reason=payload.reason if payload else ""
    )
    return _my_out(closure_id)


@router.post(
    "/me/closures/{closure_id}/offers/{offer_id}/answer",
    auth=portal_session,
    response={200: MyClosureOut, **errors(*PORTAL_ERRORS, 404, 409, 422)},
    summary="Answer an offer to stay",
)
def my_offer_answer(request, closure_id: int, offer_id: int, payload: AnswerIn):
    """Accept (the request is withdrawn and the service goes on) or decline. 409
    `closure.offer_answered`. Auth: the portal session (customers only)."""
    get_object_or_404(
        RetentionOffer, pk=offer_id, closure_id=closure_id, closure__customer__user=request.auth
    )
    services.retention_offer_answer(offer_id=offer_id, accept=payload.accept, actor=request.auth)
    return _my_out(closure_id)
