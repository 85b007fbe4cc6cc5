"""The closing's own personal data: exported with the rest, and gone after retention (the
customer's words, the refund account, notes naming them) while the request, its equipment
and its money stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.closures import services
from ispcare.closures.models import Closure, ReturnItem, Settlement
from ispcare.closures.privacy import customer_data_export, privacy_anonymise_due
from ispcare.common.privacy import REDACTED
from ispcare.customers.models import Equipment, Subscription

from .support import request
from .test_privacy_support import hits, person

pytestmark = pytest.mark.django_db


def _closed_through_the_closing(p, closing, manager):
    sub = p.subscription
    closure = request(
        sub,
        p.customer.user,
        reason="other",
        reason_text=f"Saya {p.name} pindah ke {p.street}, hubungi {p.spaced}",
        refund_bank="BRI",
        refund_account_number="002101000123567",
        refund_account_name=p.name,
    )
    ont = Equipment.objects.get(subscription=sub)
    services.closure_check_in(
        closure_id=closure.pk,
        conditions={ont.pk: "missing"},
        via="dropoff",
        actor=closing,
        note=f"{p.name} bilang ONT hilang",
    )
    services.closures_sweep(today=closure.end_date)
    services.closure_settle(closure_id=closure.pk, actor=closing)
    services.closure_write_off(
        closure_id=closure.pk, reason=f"{p.name} tidak bisa dihubungi", actor=manager
    )
    closure.refresh_from_db()
    assert closure.status == "closed"
    return closure


def test_export_holds_the_termination(onboarding, closing, manager, prices):
    p = person(onboarding, "Sumarni Wijayakusuma", "Jl. Teratai Indah No. 9")
    closure = _closed_through_the_closing(p, closing, manager)
    data = customer_data_export(p.customer.pk)
    (item,) = data["terminations"]
    assert item["number"] == closure.number and item["refund_account_number"]
    assert item["equipment_returned"][0]["condition"] == "missing"
    assert item["settlement"]["equipment_charges"] == 750_000


def test_anonymised_after_retention(onboarding, closing, manager, prices, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = person(onboarding, "Sumarni Wijayakusuma", "Jl. Teratai Indah No. 9")
    closure = _closed_through_the_closing(p, closing, manager)
    long_ago = timezone.now() - dt.timedelta(days=settings.PRIVACY_RETENTION_DAYS + 5)
    Subscription.objects.filter(pk=p.subscription.pk).update(state_changed_at=long_ago)
    money = list(Settlement.objects.values_list("deposit_held", "equipment_charges", "refund_due"))
    assert privacy_anonymise_due() == 1
    assert hits(p) == set()  # every column of every table
    closure.refresh_from_db()
    assert closure.refund_account_number == "" and closure.refund_bank == REDACTED
    assert closure.reason_text == REDACTED
    assert closure.number and closure.written_off > 0 and closure.status == "closed"
    assert ReturnItem.objects.get().condition == "missing"
    assert (
        list(Settlement.objects.values_list("deposit_held", "equipment_charges", "refund_due"))
        == money
    )
    assert privacy_anonymise_due() == 0
    assert Closure.objects.count() == 1
