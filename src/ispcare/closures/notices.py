"""What the closing tells the customer at each step (default texts:
templates/notices/closure_*.<lang>.txt), queued in the step's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ispcare.customers.choices import EquipmentStatus
from ispcare.customers.models import Equipment
from ispcare.customers.notices import SAMPLE, customer_notify
from ispcare.notifications.catalog import TemplateSpec, register

from .models import Closure

SAMPLE_CLOSURE = {
    "number": "TRM/2026/00012",
    "end_date": dt.date(2026, 12, 31),
    "reason": "Pindah rumah",
    "return_method": "pickup",
    "return_label": "Teknisi mengambil ke rumah",
    "deposit": 250_000,
    "refund_to": "BCA 1234567890 a.n. Dimas Saputra",
    "url": "https://vokasi.net/portal/closing/12/",
    "dropoff_address": "Kantor Vokasi.Net, Jl. Pendidikan No. 1",
    "equipment": [{"kind": "ONT", "model": "ZTE F609", "serial": "ZTEG1234ABCD"}],
}
_TEMPLATES = (
    ("closure_requested", _("Termination: request received, closing instructions"), {}),
    ("closure_cancelled", _("Termination: request cancelled"), {}),
    (
        "closure_pickup",
        _("Termination: equipment pickup scheduled"),
        {"pickup": {"date": dt.date(2026, 12, 30), "technician": "Agus Teknisi"}},
    ),
    ("closure_ended", _("Termination: service ended"), {}),
    (
        "closure_settled",
        _("Termination: settlement statement"),
        {
            "settlement": {
                "deposit_held": 250_000,
                "service_charge": 80_645,
                "equipment_charges": 150_000,
                "deposit_applied": 230_645,
                "refund_due": 19_355,
                "balance_left": 0,
            }
        },
    ),
    (
        "closure_refunded",
        _("Termination: deposit refund paid"),
        {"refund": {"amount": 19_355, "method": "Transfer bank", "reference": "TRF-778812"}},
    ),
    ("closure_closed", _("Termination: subscription closed"), {}),
    (
        "closure_offer",
        _("Termination: an offer to stay"),
        {"offer": {"text": "Diskon 50% selama 2 bulan", "credit": 125_000}},
    ),
    (
        "closure_withdrawn",
        _("Termination: withdrawn, the customer stays"),
        {"offer": {"text": "Diskon 50% selama 2 bulan", "credit": 125_000}},
    ),
)


def register_templates() -> None:
    for key, title, extra in _TEMPLATES:
        register(
            TemplateSpec(
                key,
                title,
                {**SAMPLE, "closure": SAMPLE_CLOSURE, **extra},
                f"ispcare_{key}",
                ("{{ name }}", "{{ closure.number }}", "{{ closure.url }}"),
            )
        )


def closure_context(closure: Closure) -> dict[str, Any]:
    equipment = Equipment.objects.filter(
        subscription_id=closure.subscription_id, status=EquipmentStatus.INSTALLED
    ).order_by("serial")
    refund_to = (
        f"{closure.refund_bank} {closure.refund_account_number} a.n. {closure.refund_account_name}"
        if closure.refund_account_number
        else ""
    )
    return {
        "number": closure.number,
        "end_date": closure.end_date,
        "reason": str(closure.get_reason_display()),
        "return_method": closure.return_method,
        "return_label": str(closure.get_return_method_display()),
        "deposit": closure.subscription.plan.deposit if closure.subscription.deposit_paid_at else 0,
        "refund_to": refund_to,
        "url": settings.PUBLIC_BASE_URL + reverse("portal_closures:closure", args=[closure.pk]),
        "dropoff_address": settings.CLOSING_DROPOFF_ADDRESS,
        "equipment": [
            {"kind": str(e.get_kind_display()), "model": e.model_name, "serial": e.serial}
            for e in equipment
        ],
    }


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def closure_notify(closure: Closure, template: str, **extra: Any) -> None:
    """Tell the closure's customer, on their channels and in the portal inbox."""
    context: dict[str, Any] = {"closure": closure_context(closure)}
    key = f"closure:{closure.pk}:{template}"
    if "pickup" in extra:
        order = extra["pickup"]
        tech = order.technician
        context["pickup"] = {
            "date": order.scheduled_date,
            "technician": tech.get_full_name() or tech.username,
        }
        key += f":{order.pk}:{order.scheduled_date.isoformat()}"
    if "settlement" in extra:
        context["settlement"] = _plain(
            extra["settlement"],
            (
                "deposit_held",
                "service_charge",
                "equipment_charges",
                "deposit_applied",
                "refund_due",
                "balance_left",
            ),
        )
    if "refund" in extra:
        refund = extra["refund"]
        context["refund"] = {
            "amount": refund.amount,
            "method": str(refund.get_method_display()),
            "reference": refund.reference,
        }
    if "offer" in extra:
        context["offer"] = _plain(extra["offer"], ("text", "credit"))
        key += f":{extra['offer'].pk}"
    attachment = ""
    if template == "closure_settled":  # the statement itself goes with the email
        from ispcare.notifications.documents import document_ref

        attachment = document_ref("settlement_statement", closure.pk)
    customer_notify(
        customer=closure.customer,
        template=template,
        context=context,
        key=key,
        attachment=attachment,
    )
