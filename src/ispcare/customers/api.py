"""API: registrations (public), the review queue, customers and their events.

Thin: input is validated (registrations by the very RegistrationForm of the web page),
the services write, the selectors read.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from ispcare.accounts.api_auth import requires
from ispcare.common.api import AUTH_ERRORS, errors
from ispcare.common.errors import ValidationFailed
from ispcare.common.ratelimit import rate_limit_hit
from ispcare.network.specs import AccessState

from . import selectors, services
from .choices import ApplicationStatus, SubscriptionState
from .forms import RegistrationForm
from .lifecycle import access_state
from .models import Application, Customer, Equipment, Event, Subscription
from .notices import status_url

router = Router(tags=["registrations and customers"])


# --- Schemas --------------------------------------------------------------------------------


class RegistrationIn(Schema):
    """The public registration form's fields, with the form's rules (customers.forms)."""

    full_name: str = Field(description="As on the KTP.")
    nik: str = Field(description="16-digit NIK (Nomor Induk Kependudukan).")
    phone: str = Field(description="Indonesian mobile number, e.g. 0812… or +62812….")
    email: str
    street: str = Field(description="Street and house number.")
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    city: str
    postcode: str = Field(description="5 digits.")
    latitude: float | None = Field(None, description="Map pin; give both or neither.")
    longitude: float | None = None
    plan: int = Field(description="Id of an offered plan.")
    preferred_date: dt.date = Field(description="From tomorrow, within 60 days.")
    consent_initial_payment: bool = Field(
        False, description="Must be true: the installation fee is paid at installation."
    )
    consent_deposit: bool = Field(
        False, description="Must be true: the deposit is paid after installation."
    )
    consent_isolation: bool = Field(
        False, description="Must be true: service stays isolated until the deposit is paid."
    )
    consent_equipment: bool = Field(
        False, description="Must be true: equipment stays the ISP's and is returned."
    )
    website: str = Field("", description="Leave empty (a trap for bots).")


class RegistrationOut(Schema):
    reference: str
    status: ApplicationStatus
    status_url: str = Field(description="Signed link where the applicant follows the review.")


class ApplicationOut(Schema):
    """An application in the review queue; the NIK is masked."""

    id: int
    reference: str
    status: ApplicationStatus
    full_name: str
    nik_masked: str
    phone: str
    email: str
    address: str
    plan: str = Field(description="Plan code.")
    preferred_date: dt.date
    in_coverage: bool
    created_at: dt.datetime
    reviewed_at: dt.datetime | None
    rejection_reason: str
    customer_id: int | None = Field(description="Set once approved.")


class ApplicationDetailOut(ApplicationOut):
    """One application, with the full NIK and the address in parts."""

    nik: str
    street: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    city: str
    postcode: str
    latitude: float | None
    longitude: float | None
    language: str


class ApplicationListOut(Schema):
    count: int = Field(description="All matching applications, before limit/offset.")
    limit: int
    offset: int
    items: list[ApplicationOut]


class ApplicationFilter(Schema):
    status: ApplicationStatus = ApplicationStatus.SUBMITTED
    q: str = Field("", max_length=100, description="Reference, name or phone.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class ApproveIn(Schema):
    coverage_override: bool = Field(
        False, description="Approve although the address is outside the coverage list."
    )
    note: str = Field("", max_length=500)


class RejectIn(Schema):
    reason: str = Field(description="Sent to the applicant; at least 5 characters.")


class EquipmentOut(Schema):
    serial: str
    kind: str
    model: str
    mac: str | None
    installed_at: dt.datetime | None


class SubscriptionOut(Schema):
    id: int
    plan: str = Field(description="Plan code.")
    plan_name: str
    state: SubscriptionState = Field(description="Changed only by action endpoints.")
    state_changed_at: dt.datetime | None
    state_reason: str
    access: AccessState = Field(description="Network access, derived from the state.")
    pppoe_username: str
    installed_at: dt.datetime | None
    deposit_paid_at: dt.datetime | None
    activated_at: dt.datetime | None
    equipment: list[EquipmentOut]


class AddressOut(Schema):
    line: str
    street: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    city: str
    postcode: str
    latitude: float | None
    longitude: float | None


class CustomerOut(Schema):
    id: int
    number: str = Field(description="Customer number.")
    full_name: str
    nik_masked: str
    phone: str
    email: str
    language: str
    address: AddressOut
    created_at: dt.datetime
    subscriptions: list[SubscriptionOut]


class EventOut(Schema):
    """Who did what, when and why."""

    created_at: dt.datetime = Field(description="When.")
    who: str = Field(description="The person (with role) or the job.")
    actor_id: int | None
    kind: str = Field(description="What, as a code.")
    description: str = Field(description="What, for people.")
    reason: str = Field(description="Why, when one was given.")
    subscription_id: int | None
    from_state: str
    to_state: str
    data: dict


# --- Output ---------------------------------------------------------------------------------


def _float(value) -> float | None:
    return None if value is None else float(value)


def application_out(app: Application, *, detail: bool = False) -> dict:
    out = {
        "id": app.pk,
        "reference": app.reference,
        "status": app.status,
        "full_name": app.full_name,
        "nik_masked": app.nik_masked,
        "phone": app.phone,
        "email": app.email,
        "address": app.address_line,
        "plan": app.plan.code,
        "preferred_date": app.preferred_date,
        "in_coverage": app.in_coverage,
        "created_at": app.created_at,
        "reviewed_at": app.reviewed_at,
        "rejection_reason": app.rejection_reason,
        "customer_id": getattr(getattr(app, "customer", None), "pk", None),
    }
    if detail:
        for f in ("nik", "street", "rt", "rw", "kelurahan", "kecamatan", "city", "postcode"):
            out[f] = getattr(app, f)
        out.update(
            language=app.language, latitude=_float(app.latitude), longitude=_float(app.longitude)
        )
    return out


def _equipment_out(e: Equipment) -> dict:
    return {
        "serial": e.serial,
        "kind": e.kind,
        "model": e.model_name,
        "mac": e.mac,
        "installed_at": e.installed_at,
    }


def subscription_out(s: Subscription) -> dict:
    return {
        "id": s.pk,
        "plan": s.plan.code,
        "plan_name": s.plan.name,
        "state": s.state,
        "state_changed_at": s.state_changed_at,
        "state_reason": s.state_reason,
        "access": access_state(s.state).value,
        "pppoe_username": s.pppoe_username,
        "installed_at": s.installed_at,
        "deposit_paid_at": s.deposit_paid_at,
        "activated_at": s.activated_at,
        "equipment": [_equipment_out(e) for e in s.equipment.all()],
    }


def customer_out(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "number": customer.number,
        "full_name": customer.full_name,
        "nik_masked": customer.nik_masked,
        "phone": customer.phone,
        "email": customer.email,
        "language": customer.language,
        "address": {
            "line": customer.address_line,
            **{
                f: getattr(customer, f)
                for f in ("street", "rt", "rw", "kelurahan", "kecamatan", "city", "postcode")
            },
            "latitude": _float(customer.latitude),
            "longitude": _float(customer.longitude),
        },
        "created_at": customer.created_at,
        "subscriptions": [
            subscription_out(s) for s in selectors.customer_subscriptions(customer=customer)
        ],
    }


def _event_out(e: Event) -> dict:
    return {
        "created_at": e.created_at,
        "who": e.actor_label,
        "actor_id": e.actor_id,
        "kind": e.kind,
        "description": e.get_kind_display(),
        "reason": e.reason,
        "subscription_id": e.subscription_id,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "data": e.data,
    }


# --- Registrations (public) -----------------------------------------------------------------


@router.post(
    "/registrations",
    auth=None,
    response={201: RegistrationOut, **errors(400, 409, 422, 429)},
    summary="Register (public)",
)
def registration_create(request, payload: RegistrationIn):
    """Public, no token. The same rules as the registration page (`RegistrationForm`);
    rate-limited per client address (limit "registration"). 409 `duplicate` when the NIK
    or phone already has an open application or belongs to a customer."""
    rate_limit_hit(request, "registration")
    form = RegistrationForm(payload.dict())
    if not form.is_valid():
        raise ValidationFailed(_("Check the fields."), fields=dict(form.errors))
    app = services.registration_submit(cleaned=form.cleaned_data, language=get_language() or "id")
    return Status(
        201, {"reference": app.reference, "status": app.status, "status_url": status_url(app)}
    )


# --- Review queue (registrations.review) ----------------------------------------------------


@router.get(
    "/applications",
    auth=requires("registrations.review"),
    response={200: ApplicationListOut, **errors(*AUTH_ERRORS, 422)},
    summary="List applications",
)
def application_list(request, filters: Query[ApplicationFilter]):
    """Applications of one status (waiting ones oldest first), NIK masked.
    Capability: `registrations.review`."""
    rows = selectors.applications_for_queue(status=filters.status, q=filters.q).select_related(
        "customer"
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return {
        "count": rows.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [application_out(a) for a in page],
    }


@router.get(
    "/applications/{application_id}",
    auth=requires("registrations.review"),
    response={200: ApplicationDetailOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="Get an application",
)
def application_detail(request, application_id: int):
    """One application, with the full NIK. Capability: `registrations.review`."""
    app = get_object_or_404(
        Application.objects.select_related("plan", "customer"), pk=application_id
    )
    return application_out(app, detail=True)


@router.post(
    "/applications/{application_id}/approve",
    auth=requires("registrations.review"),
    response={200: CustomerOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Approve an application",
)
def application_approve(request, application_id: int, payload: ApproveIn):
    """Issue the customer number; create the customer, the subscription (pending
    installation), the PPPoE login and the portal account; send the welcome message.
    409 `application.already_reviewed`, `application.out_of_coverage` (approve with
    `coverage_override`) or `duplicate`. Capability: `registrations.review`."""
    get_object_or_404(Application, pk=application_id)
    customer = services.registration_approve(
        application_id=application_id,
        actor=request.auth,
        coverage_override=payload.coverage_override,
        note=payload.note.strip(),
    )
    return customer_out(customer)


@router.post(
    "/applications/{application_id}/reject",
    auth=requires("registrations.review"),
    response={200: ApplicationOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Reject an application",
)
def application_reject(request, application_id: int, payload: RejectIn):
    """Reject with a reason, which is sent to the applicant. 409
    `application.already_reviewed`. Capability: `registrations.review`."""
    get_object_or_404(Application, pk=application_id)
    app = services.registration_reject(
        application_id=application_id, actor=request.auth, reason=payload.reason
    )
    return application_out(app)


# --- Customers (customers.view) -------------------------------------------------------------


@router.get(
    "/customers/{customer_id}",
    auth=requires("customers.view"),
    response={200: CustomerOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="Get a customer",
)
def customer_detail(request, customer_id: int):
    """A customer (NIK masked) with subscriptions, their state, the network access derived
    from it, and the installed equipment. Capability: `customers.view`."""
    return customer_out(get_object_or_404(Customer, pk=customer_id))


@router.get(
    "/customers/{customer_id}/events",
    auth=requires("customers.view"),
    response={200: list[EventOut], **errors(*AUTH_ERRORS, 404, 422)},
    summary="A customer's history",
)
def customer_events(request, customer_id: int):
    """Who did what, when and why; newest first. Capability: `customers.view`."""
    customer = get_object_or_404(Customer, pk=customer_id)
    return [_event_out(e) for e in selectors.customer_events(customer=customer)]
