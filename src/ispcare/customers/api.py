"""API: registrations (public), the review queue, customers and their events."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from ispcare.accounts.api_auth import Capability
from ispcare.common.api import ErrorOut
from ispcare.common.errors import ValidationFailed
from ispcare.common.ratelimit import rate_limit_hit

from . import services
from .choices import ApplicationStatus
from .forms import RegistrationForm
from .lifecycle import access_state
from .models import Application, Customer
from .notices import status_url

router = Router(tags=["registrations and customers"])
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


class RegistrationIn(Schema):
    """Same fields and rules as the public form; `plan` is a plan id."""

    full_name: str
    nik: str
    phone: str
    email: str
    street: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    city: str
    postcode: str
    latitude: float | None = None
    longitude: float | None = None
    plan: int
    preferred_date: str
    consent_initial_payment: bool = False
    consent_deposit: bool = False
    consent_isolation: bool = False
    consent_equipment: bool = False
    website: str = ""


class RegistrationOut(Schema):
    id: int
    reference: str
    status: str
    status_url: str


class ApplicationOut(Schema):
    id: int
    reference: str
    status: str
    full_name: str
    nik: str
    phone: str
    email: str
    address: str
    plan: str
    preferred_date: dt.date
    in_coverage: bool
    rejection_reason: str
    created_at: dt.datetime
    customer_id: int | None


class ApplicationList(Schema):
    count: int
    items: list[ApplicationOut]


class ApproveIn(Schema):
    coverage_override: bool = False
    note: str = ""


class RejectIn(Schema):
    reason: str


class SubscriptionOut(Schema):
    id: int
    plan: str
    state: str
    access: str
    pppoe_username: str
    installed_at: dt.datetime | None
    deposit_paid_at: dt.datetime | None
    activated_at: dt.datetime | None
    equipment: list[str]


class CustomerOut(Schema):
    id: int
    number: str
    full_name: str
    nik_masked: str
    phone: str
    email: str
    address: str
    language: str
    subscriptions: list[SubscriptionOut]


class EventOut(Schema):
    created_at: dt.datetime
    kind: str
    who: str
    actor_id: int | None
    reason: str
    from_state: str
    to_state: str
    data: dict


def _application_out(app: Application, *, full_nik: bool) -> dict:
    return {
        "id": app.pk,
        "reference": app.reference,
        "status": app.status,
        "full_name": app.full_name,
        "nik": app.nik if full_nik else app.nik_masked,
        "phone": app.phone,
        "email": app.email,
        "address": app.address_line,
        "plan": app.plan.code,
        "preferred_date": app.preferred_date,
        "in_coverage": app.in_coverage,
        "rejection_reason": app.rejection_reason,
        "created_at": app.created_at,
        "customer_id": getattr(getattr(app, "customer", None), "pk", None),
    }


def customer_out(customer: Customer) -> dict:
    subs = customer.subscriptions.select_related("plan").prefetch_related("equipment")
    return {
        "id": customer.pk,
        "number": customer.number,
        "full_name": customer.full_name,
        "nik_masked": customer.nik_masked,
        "phone": customer.phone,
        "email": customer.email,
        "address": customer.address_line,
        "language": customer.language,
        "subscriptions": [
            {
                "id": s.pk,
                "plan": s.plan.code,
                "state": s.state,
                "access": access_state(s.state).value,
                "pppoe_username": s.pppoe_username,
                "installed_at": s.installed_at,
                "deposit_paid_at": s.deposit_paid_at,
                "activated_at": s.activated_at,
                "equipment": [e.serial for e in s.equipment.all()],
            }
            for s in subs
        ],
    }


@router.post("/registrations", auth=None, response={201: RegistrationOut, **ERRORS})
def registration_create(request, payload: RegistrationIn):
    """Public: submit a registration (rate-limited per client address)."""
    rate_limit_hit(request, "registration")
    form = RegistrationForm(payload.dict())
    if not form.is_valid():
        raise ValidationFailed(_("Check the fields."), fields=dict(form.errors))
    app = services.registration_submit(cleaned=form.cleaned_data, language=get_language())
    return Status(
        201,
        {
            "id": app.pk,
            "reference": app.reference,
            "status": app.status,
            "status_url": status_url(app),
        },
    )


@router.get(
    "/applications",
    response={200: ApplicationList, **ERRORS},
    auth=Capability("registrations.review"),
)
def application_list(
    request,
    status: str = ApplicationStatus.SUBMITTED,
    q: str = "",
    limit: int = 50,
    offset: int = 0,
):
    """Applications by status (NIK masked). Capability: registrations.review."""
    rows = (
        Application.objects.select_related("plan", "customer")
        .filter(status=status)
        .order_by("created_at")
    )
    if q:
        rows = rows.filter(
            Q(reference__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q)
        )
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    return {
        "count": rows.count(),
        "items": [_application_out(a, full_nik=False) for a in rows[offset : offset + limit]],
    }


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **ERRORS},
    auth=Capability("registrations.review"),
)
def application_detail(request, application_id: int):
    """One application with the full NIK. Capability: registrations.review."""
    app = get_object_or_404(
        Application.objects.select_related("plan", "customer"), pk=application_id
    )
    return _application_out(app, full_nik=True)


@router.post(
    "/applications/{application_id}/approve",
    response={200: CustomerOut, **ERRORS},
    auth=Capability("registrations.review"),
)
def application_approve(request, application_id: int, payload: ApproveIn):
    """Approve: customer number, subscription, PPPoE login, portal account, welcome message."""
    get_object_or_404(Application, pk=application_id)
    customer = services.registration_approve(
        application_id=application_id,
        actor=request.auth,
        coverage_override=payload.coverage_override,
        note=payload.note,
    )
    return customer_out(customer)


@router.post(
    "/applications/{application_id}/reject",
    response={200: ApplicationOut, **ERRORS},
    auth=Capability("registrations.review"),
)
def application_reject(request, application_id: int, payload: RejectIn):
    """Reject with a reason, which is sent to the applicant."""
    get_object_or_404(Application, pk=application_id)
    app = services.registration_reject(
        application_id=application_id, actor=request.auth, reason=payload.reason
    )
    return _application_out(app, full_nik=False)


@router.get(
    "/customers/{customer_id}",
    response={200: CustomerOut, **ERRORS},
    auth=Capability("customers.view"),
)
def customer_detail(request, customer_id: int):
    """A customer with subscriptions, derived network access and equipment. Capability: customers.view."""
    return customer_out(get_object_or_404(Customer, pk=customer_id))


@router.get(
    "/customers/{customer_id}/events",
    response={200: list[EventOut], **ERRORS},
    auth=Capability("customers.view"),
)
def customer_events(request, customer_id: int):
    """Who did what, when and why. Capability: customers.view."""
    customer = get_object_or_404(Customer, pk=customer_id)
    return [
        {
            "created_at": e.created_at,
            "kind": e.kind,
            "who": e.actor_label,
            "actor_id": e.actor_id,
            "reason": e.reason,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "data": e.data,
        }
        for e in customer.events.all()
    ]
