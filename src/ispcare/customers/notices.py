"""What customers and applicants are told, through the notification seam."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ispcare.notifications.services import Message, message_send

from .choices import EventKind
from .events import event_record
from .models import Application, Customer

STATUS_SALT = "ispcare.registration.status"


def status_token(application: Application) -> str:
    return signing.dumps(application.reference, salt=STATUS_SALT)


def status_reference(token: str) -> str | None:
    try:
        return signing.loads(token, salt=STATUS_SALT)
    except signing.BadSignature:
        return None


def status_url(application: Application) -> str:
    return settings.PUBLIC_BASE_URL + reverse(
        "customers:registration_status", args=[status_token(application)]
    )


def welcome_path(customer: Customer) -> str:
    uid = urlsafe_base64_encode(force_bytes(customer.user_id))
    token = default_token_generator.make_token(customer.user)
    return reverse("portal:welcome", args=[uid, token])


def application_notify(*, application_id: int, template: str) -> None:
    app = Application.objects.select_related("plan").get(pk=application_id)
    message_send(
        message=Message(
            template=template,
            language=app.language,
            email=app.email,
            context={
                "application": app,
                "status_url": status_url(app),
                "isp": settings.ISP_NAME,
                "support_phone": settings.ISP_SUPPORT_PHONE,
            },
            idempotency_key=f"application:{app.pk}:{template}",
        )
    )


def welcome_send(*, customer_id: int) -> None:
    customer = Customer.objects.select_related("user").get(pk=customer_id)
    sub = customer.subscriptions.select_related("plan").first()
    message_send(
        message=Message(
            template="welcome",
            language=customer.language,
            email=customer.email,
            user_id=customer.user_id,
            context={
                "customer": customer,
                "subscription": sub,
                "isp": settings.ISP_NAME,
                "welcome_url": settings.PUBLIC_BASE_URL + welcome_path(customer),
                "portal_url": settings.PUBLIC_BASE_URL + reverse("portal:dashboard"),
                "support_phone": settings.ISP_SUPPORT_PHONE,
            },
            idempotency_key=f"customer:{customer.pk}:welcome",
        )
    )
    event_record(
        customer=customer, kind=EventKind.WELCOME_SENT, actor=None, data={"email": customer.email}
    )


def customer_notify(*, customer: Customer, template: str, context: dict, key: str) -> None:
    message_send(
        message=Message(
            template=template,
            language=customer.language,
            email=customer.email,
            user_id=customer.user_id,
            context={
                "customer": customer,
                "isp": settings.ISP_NAME,
                "portal_url": settings.PUBLIC_BASE_URL + reverse("portal:dashboard"),
                **context,
            },
            idempotency_key=key,
        )
    )
