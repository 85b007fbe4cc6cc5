"""Demo closing: the equipment price list, and two customers leaving: Fajar asked to stop
at the end of next week and a technician picks his ONT up tomorrow; Indah's service ended
today, her ONT came back in good order and her deposit refund waits to be paid."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from ispcare.billing.services import open_balance, payment_record
from ispcare.closures import services
from ispcare.closures.models import Closure, EquipmentPrice
from ispcare.customers.models import Customer, Equipment

PRICES = [("ont", 350_000, 750_000), ("router", 150_000, 450_000), ("modem", 200_000, 500_000)]


def load(staff: dict, made: Counter) -> None:
    for kind, damaged, missing in PRICES:
        _, created = EquipmentPrice.objects.get_or_create(
            kind=kind, defaults={"damaged_charge": damaged, "missing_charge": missing}
        )
        made["equipment prices"] += created
    if Closure.objects.exists():
        return
    people = {
        c.full_name: c
        for c in Customer.objects.filter(full_name__in=["Fajar Nugroho", "Indah Permatasari"])
    }
    today = timezone.localdate()
    fajar, indah = people.get("Fajar Nugroho"), people.get("Indah Permatasari")
    if fajar:
        closure = services.closure_request(
            subscription_id=fajar.subscriptions.get().pk,
            end_date=today + dt.timedelta(days=10),
            reason="moving",
            reason_text="Pindah kerja ke Surabaya awal bulan depan.",
            return_method="pickup",
            refund_bank="BRI",
            refund_account_number="002101000123567",
            refund_account_name="Fajar Nugroho",
            actor=fajar.user,
        )
        services.closure_pickup_schedule(
            closure_id=closure.pk,
            technician_id=staff["teknisi"].pk,
            date=today + dt.timedelta(days=1),
            actor=staff["penutupan"],
        )
        made["termination requests"] += 1
    if indah:
        sub = indah.subscriptions.get()
        owed = open_balance(customer_id=indah.pk)
        if owed:  # she paid her invoices at the counter before closing
            payment_record(
                customer_id=indah.pk,
                amount=owed,
                method="cash",
                reference="KW-VN-3001",
                actor=staff["keuangan"],
            )
        closure = services.closure_request(
            subscription_id=sub.pk,
            end_date=today,
            reason="competitor",
            reason_text="",
            return_method="dropoff",
            refund_bank="BCA",
            refund_account_number="8730112233",
            refund_account_name="Indah Permatasari",
            actor=staff["penutupan"],
            channel="staff",
        )
        ont = Equipment.objects.get(subscription=sub)
        services.closure_check_in(
            closure_id=closure.pk,
            conditions={ont.pk: "good"},
            via="dropoff",
            actor=staff["penutupan"],
            note="Diantar sendiri ke kantor, lengkap dengan adaptor.",
        )
        services.closures_sweep(today=today)
        services.closure_settle(closure_id=closure.pk, actor=staff["penutupan"])
        made["termination requests"] += 1
