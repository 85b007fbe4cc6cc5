"""Registration and customer services: the only code that writes these records."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import Role
from ispcare.common.errors import Conflict, Duplicate, ValidationFailed

from .choices import (
    ApplicationStatus,
    EquipmentCondition,
    EquipmentStatus,
    EventKind,
    SubscriptionState,
)
from .coverage import address_in_coverage
from .events import event_record
from .lifecycle import subscription_transition
from .models import Application, Customer, Equipment, Event, Plan, PlanChange, Subscription
from .numbers import (
    application_reference,
    customer_number_next,
    pppoe_password_new,
    pppoe_username_for,
)

_DUPLICATE_APPLICATION = _(
    "An application with this %(field)s is already being processed. "
    "Use the status link we sent you, or contact customer service."
)
_DUPLICATE_CUSTOMER = _(
    "This %(field)s already belongs to a customer. Log in to the portal or contact customer service."
)
_FIELD_NAMES = {"nik": _("NIK"), "phone": _("mobile number")}


def _duplicates(*, nik: str, phone: str, exclude_application: int | None = None) -> dict:
    """Field errors for an open application or a customer with the same NIK or phone.

    One query per table, so a registration committed by a concurrent twin is seen for
    both fields at once or for neither (READ COMMITTED snapshots are per statement).
    """
    same = Q(nik=nik) | Q(phone=phone)
    open_apps = Application.objects.filter(same, status=ApplicationStatus.SUBMITTED)
    if exclude_application:
        open_apps = open_apps.exclude(pk=exclude_application)
    found = {
        "customer": list(Customer.objects.filter(same).values_list("nik", "phone")),
        "application": list(open_apps.values_list("nik", "phone")),
    }
    errors: dict[str, list] = {}
    for field, value, index in (("nik", nik, 0), ("phone", phone, 1)):
        if any(row[index] == value for row in found["customer"]):
            errors[field] = [_DUPLICATE_CUSTOMER % {"field": _FIELD_NAMES[field]}]
        elif any(row[index] == value for row in found["application"]):
            errors[field] = [_DUPLICATE_APPLICATION % {"field": _FIELD_NAMES[field]}]
    return errors


def registration_submit(*, cleaned: dict[str, Any], language: str = "id") -> Application:
    """Create an application from validated form data; refuse duplicates with field errors."""
    errors = _duplicates(nik=cleaned["nik"], phone=cleaned["phone"])
    if errors:
        raise Duplicate(_("You are already registered."), fields=errors)
    fields = {k: v for k, v in cleaned.items() if k in Application.REGISTRATION_FIELDS}
    try:
        with transaction.atomic():
            app = Application.objects.create(
                **fields,
                reference=application_reference(),
                language=language,
                consent_at=timezone.now(),
                in_coverage=address_in_coverage(
                    city=fields["city"],
                    kecamatan=fields["kecamatan"],
                    kelurahan=fields["kelurahan"],
                    postcode=fields["postcode"],
                ),
            )
            role = _("applicant")  # outside the f-string, so makemessages extracts it
            event_record(
                application=app,
                kind=EventKind.APPLICATION_SUBMITTED,
                actor=f"{app.full_name} ({role})",
            )
            _notify_application(app.pk, "application_received")
    except IntegrityError as exc:  # a concurrent twin won the unique constraint
        errors = _duplicates(nik=cleaned["nik"], phone=cleaned["phone"])
        raise Duplicate(_("You are already registered."), fields=errors) from exc
    return app


def _lock_submitted(application_id: int) -> Application:
    app = Application.objects.select_for_update().select_related("plan").get(pk=application_id)
    if app.status != ApplicationStatus.SUBMITTED:
        raise Conflict(
            _("This application was already %(status)s.")
            % {"status": app.get_status_display().lower()},
            code="application.already_reviewed",
        )
    return app


def registration_reject(*, application_id: int, actor: Any, reason: str) -> Application:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(_("Give the reason."), fields={"reason": [_("Give the reason.")]})
    with transaction.atomic():
        app = _lock_submitted(application_id)
        app.status, app.rejection_reason = ApplicationStatus.REJECTED, reason
        app.reviewed_by, app.reviewed_at = actor, timezone.now()
        app.save(
            update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at", "updated_at"]
        )
        event_record(
            application=app, kind=EventKind.APPLICATION_REJECTED, actor=actor, reason=reason
        )
        _notify_application(app.pk, "application_rejected")
    return app


def registration_approve(
    *, application_id: int, actor: Any, coverage_override: bool = False, note: str = ""
) -> Customer:
    """Approve: customer number, customer, subscription, PPPoE login, portal account, welcome."""
    with transaction.atomic():
        app = _lock_submitted(application_id)
        if not app.in_coverage and not coverage_override:
            raise Conflict(
                _("The address is outside the coverage area. Confirm the exception to approve."),
                code="application.out_of_coverage",
            )
        errors = _duplicates(nik=app.nik, phone=app.phone, exclude_application=app.pk)
        if errors:
            raise Duplicate(_("This person is already a customer."), fields=errors)
        # Rows are made under the application's reference and renamed once the number is
        # taken, last: the sequence row stays locked only for the renames and the commit,
        # so parallel approvals wait on each other as briefly as possible.
        placeholder = app.reference
        user = get_user_model().objects.create_user(
            username=placeholder,
            email=app.email,
            role=Role.CUSTOMER,
            first_name=app.full_name[:150],
            phone=app.phone,
            language=app.language,
        )
        customer = Customer.objects.create(
            number=placeholder,
            user=user,
            application=app,
            full_name=app.full_name,
            nik=app.nik,
            phone=app.phone,
            email=app.email,
            language=app.language,
            **{f: getattr(app, f) for f in _ADDRESS_FIELDS},
        )
        sub = Subscription.objects.create(
            customer=customer,
            plan=app.plan,
            pppoe_username=placeholder.lower(),
            pppoe_password=pppoe_password_new(),
            state=SubscriptionState.PENDING_INSTALLATION,
            state_changed_at=timezone.now(),
        )
        app.status, app.reviewed_by, app.reviewed_at = (
            ApplicationStatus.APPROVED,
            actor,
            timezone.now(),
        )
        app.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        Event.objects.filter(application=app, customer__isnull=True).update(customer=customer)
        reason = note or (
            str(_("outside coverage list, approved by exception")) if not app.in_coverage else ""
        )
        event_record(
            customer=customer,
            application=app,
            kind=EventKind.APPLICATION_APPROVED,
            actor=actor,
            reason=reason,
        )
        number = customer_number_next()
        get_user_model().objects.filter(pk=user.pk).update(username=number)
        Customer.objects.filter(pk=customer.pk).update(number=number)
        Subscription.objects.filter(pk=sub.pk).update(pppoe_username=pppoe_username_for(number))
        user.username, customer.number, sub.pppoe_username = (
            number,
            number,
            pppoe_username_for(number),
        )
        event_record(
            customer=customer,
            subscription=sub,
            kind=EventKind.CUSTOMER_CREATED,
            actor=actor,
            to_state=sub.state,
            data={"number": number, "plan": app.plan.code},
        )
        from .notices import welcome_send

        welcome_send(customer_id=customer.pk)
    return customer


_ADDRESS_FIELDS = (
    "street",
    "rt",
    "rw",
    "kelurahan",
    "kecamatan",
    "city",
    "postcode",
    "latitude",
    "longitude",
)


def _notify_application(application_id: int, template: str) -> None:
    from .notices import application_notify

    application_notify(application_id=application_id, template=template)


def equipment_install(*, subscription_id: int, serials: list[str], actor: Any) -> list[Equipment]:
    """Put in-stock devices at the subscription; each serial must be in stock."""
    if not serials:
        raise ValidationFailed(
            _("Record at least one device."),
            fields={"equipment": [_("Record at least one device.")]},
        )
    items = list(Equipment.objects.select_for_update().filter(serial__in=serials))
    found = {e.serial: e for e in items}
    errors = [
        _("Serial %(s)s is not in the equipment register.") % {"s": s}
        if s not in found
        else _("Serial %(s)s is not in stock.") % {"s": s}
        for s in serials
        if s not in found or found[s].status != EquipmentStatus.IN_STOCK
    ]
    if errors:
        raise ValidationFailed(errors[0], fields={"equipment": errors})
    sub = Subscription.objects.select_related("customer").get(pk=subscription_id)
    now = timezone.now()
    Equipment.objects.filter(pk__in=[e.pk for e in items]).update(
        status=EquipmentStatus.INSTALLED, subscription=sub, installed_at=now, updated_at=now
    )
    event_record(
        customer=sub.customer,
        subscription=sub,
        kind=EventKind.EQUIPMENT_INSTALLED,
        actor=actor,
        data={"serials": serials},
    )
    return items


# Where a device goes in the register when it comes back in each condition.
_RETURN_STATUS = {
    EquipmentCondition.GOOD: EquipmentStatus.IN_STOCK,
    EquipmentCondition.DAMAGED: EquipmentStatus.DAMAGED,
    EquipmentCondition.MISSING: EquipmentStatus.MISSING,
}


def equipment_return(
    *, subscription_id: int, conditions: dict[int, str], actor: Any
) -> list[Equipment]:
    """Take devices of a closing subscription back into the register: a good one goes
    back in stock (ready for the next installation), a damaged or missing one is marked
    so. `conditions` maps each device id to good/damaged/missing; every device must be
    installed at this subscription."""
    items = list(
        Equipment.objects.select_for_update().filter(
            pk__in=list(conditions), subscription_id=subscription_id
        )
    )
    found = {e.pk: e for e in items}
    errors = [
        _("Device %(id)s is not installed at this subscription.") % {"id": pk}
        for pk in conditions
        if pk not in found or found[pk].status != EquipmentStatus.INSTALLED
    ]
    errors += [
        _("Choose the condition of %(serial)s.") % {"serial": found[pk].serial}
        for pk, condition in conditions.items()
        if pk in found and condition not in _RETURN_STATUS
    ]
    if not conditions:
        errors.append(_("Check in at least one device."))
    if errors:
        raise ValidationFailed(errors[0], fields={"equipment": errors})
    now = timezone.now()
    for condition, status in _RETURN_STATUS.items():
        ids = [pk for pk, c in conditions.items() if c == condition]
        if ids:
            # A good device leaves the subscription for stock; the closing keeps the history.
            back = {"subscription": None} if condition == EquipmentCondition.GOOD else {}
            Equipment.objects.filter(pk__in=ids).update(status=status, updated_at=now, **back)
    sub = Subscription.objects.select_related("customer").get(pk=subscription_id)
    event_record(
        customer=sub.customer,
        subscription=sub,
        kind=EventKind.EQUIPMENT_RETURNED,
        actor=actor,
        data={"items": {found[pk].serial: c for pk, c in conditions.items()}},
    )
    return items


def subscription_deposit_recorded(*, subscription_id: int, actor: Any) -> Subscription:
    """Billing tells us the deposit is paid: remember it, and activate if waiting for it."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription_id)
        if sub.deposit_paid_at is None:
            sub.deposit_paid_at = timezone.now()
            sub.save(update_fields=["deposit_paid_at", "updated_at"])
        if sub.state == SubscriptionState.AWAITING_DEPOSIT:
            sub = subscription_transition(
                subscription_id=sub.pk,
                action="activate",
                actor=actor,
                reason=str(_("Deposit paid")),
            )
    return sub


# How a customer may want to be told, in order; "" is the portal inbox only.
NOTIFY_CHOICES = ("whatsapp,email", "email,whatsapp", "whatsapp", "email", "")


@transaction.atomic
def customer_preferences_update(
    *, customer_id: int, language: str, notify_channels: str, actor: Any
) -> Customer:
    """Language and message channels, as the customer chose them in the portal."""
    errors: dict[str, list[Any]] = {}
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose Indonesian or English.")]
    if notify_channels not in NOTIFY_CHOICES:
        errors["notify_channels"] = [_("Choose one of the options.")]
    if errors:
        raise ValidationFailed(_("Please check the highlighted fields."), fields=errors)
    customer = Customer.objects.select_for_update().select_related("user").get(pk=customer_id)
    before = {"language": customer.language, "notify_channels": customer.notify_channels}
    after = {"language": language, "notify_channels": notify_channels}
    if before == after:
        return customer
    customer.language, customer.notify_channels = language, notify_channels
    customer.save(update_fields=["language", "notify_channels", "updated_at"])
    customer.user.language = language
    customer.user.save(update_fields=["language"])
    event_record(
        customer=customer,
        kind=EventKind.PREFERENCES_CHANGED,
        actor=actor,
        data={"before": before, "after": after},
    )
    return customer


@transaction.atomic
def subscription_node_set(*, subscription_id: int, node_id: int | None, actor: Any) -> Subscription:
    """Where the subscriber hangs in the network (moved to another OLT or AP); the network
    is told in the same transaction (its NAS may change)."""
    from ispcare.network.models import Node
    from ispcare.network.services import access_set

    from .lifecycle import access_spec

    if node_id is not None and not Node.objects.filter(pk=node_id).exists():
        raise ValidationFailed(
            _("Choose one of the network nodes."),
            fields={"node": [_("Choose one of the network nodes.")]},
        )
    sub = (
        Subscription.objects.select_for_update()
        .select_related("plan", "customer")
        .get(pk=subscription_id)
    )
    if sub.node_id == node_id:
        return sub
    before = sub.node_id
    sub.node_id = node_id
    sub.save(update_fields=["node", "updated_at"])
    event_record(
        customer=sub.customer,
        subscription=sub,
        kind=EventKind.NODE_CHANGED,
        actor=actor,
        data={"before": before, "after": node_id},
    )
    if sub.installed_at:  # known to the network since installation
        access_set(spec=access_spec(sub))
    return sub


@transaction.atomic
def subscription_plan_change(*, subscription_id: int, plan_id: int, actor: Any) -> Subscription:
    """Move a subscription to another plan from today: the network gets the new plan's
    profile, and billing prorates the period from the PlanChange row."""
    from ispcare.network.services import access_set

    from .lifecycle import access_spec

    plan = Plan.objects.filter(pk=plan_id, is_active=True).first()
    if plan is None:
        raise ValidationFailed(
            _("Choose one of the plans on offer."),
            fields={"plan": [_("Choose one of the plans on offer.")]},
        )
    sub = (
        Subscription.objects.select_for_update()
        .select_related("plan", "customer")
        .get(pk=subscription_id)
    )
    if sub.state in (
        SubscriptionState.CLOSED,
        SubscriptionState.CANCELLED,
        SubscriptionState.ENDED,
    ):
        raise Conflict(_("A closed subscription cannot change plan."), code="subscription.closed")
    if sub.plan_id == plan.pk:
        return sub
    before = sub.plan
    PlanChange.objects.create(
        subscription=sub, from_plan=before, to_plan=plan, effective_date=timezone.localdate()
    )
    sub.plan = plan
    sub.save(update_fields=["plan", "updated_at"])
    event_record(
        customer=sub.customer,
        subscription=sub,
        kind=EventKind.PLAN_CHANGED,
        actor=actor,
        data={"from": before.code, "to": plan.code},
    )
    if sub.state not in (SubscriptionState.PENDING_INSTALLATION,):
        access_set(spec=access_spec(sub))
    return sub
