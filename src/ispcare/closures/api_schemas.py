"""The closing API's request and response shapes (closures/api.py uses them).

No request carries a status: a termination request moves through action endpoints only."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from ispcare.billing.choices import RefundMethod
from ispcare.customers.choices import EquipmentCondition, EquipmentKind
from ispcare.workorders.choices import WorkOrderStatus

from .choices import ClosureReason, ClosureStatus, OfferOutcome, RequestChannel, ReturnMethod

# --- in -------------------------------------------------------------------------------------


class ClosureFilter(Schema):
    status: ClosureStatus | None = None
    end_before: dt.date | None = Field(None, description="End date on or before this day.")
    end_after: dt.date | None = Field(None, description="End date on or after this day.")
    customer_number: str = Field("", max_length=32, description="The customer's number, exact.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class RequestFields(Schema):
    """What a termination request says (the rules are the portal form's: closures.services)."""

    end_date: dt.date = Field(
        description="The day the service stops (access disabled from 00:00 WIB): at least the notice period ahead, at most six months."
    )
    reason: ClosureReason
    reason_text: str = Field(
        "", max_length=2000, description="In the customer's words; required for `other`."
    )
    return_method: ReturnMethod = Field(
        ReturnMethod.PICKUP, description="How the ISP's equipment comes back."
    )
    refund_bank: str = Field("", max_length=60, description="Deposit refund by transfer: bank.")
    refund_account_number: str = Field("", max_length=30, description="Digits only.")
    refund_account_name: str = Field(
        "", max_length=150, description="All three or none (none: cash at the office)."
    )


class ClosureIn(RequestFields):
    subscription_id: int = Field(description="The subscription to end.")


class NoteIn(Schema):
    note: str = Field("", max_length=2000, description="Kept on the customer's record.")


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


class PickupIn(Schema):
    technician_id: int = Field(description="An active user with the technician role.")
    date: dt.date = Field(description="Today or later.")
    note: str = Field("", max_length=1000, description="For the technician.")


class CheckInItemIn(Schema):
    equipment_id: int = Field(description="A device still at the customer's (`equipment_out`).")
    condition: EquipmentCondition


class CheckInIn(Schema):
    items: list[CheckInItemIn] = Field(min_length=1, max_length=50)
    via: ReturnMethod = Field(
        description="pickup: the technician brought it; dropoff: the "
        "customer brought it to the office."
    )
    note: str = Field("", max_length=200)


class RefundIn(Schema):
    amount: int = Field(
        description="Whole rupiah: exactly the refund due (the deposit left plus unused "
        "credit); more or less is refused."
    )
    method: RefundMethod
    reference: str = Field(max_length=64, description="Transfer or receipt number.")
    note: str = Field("", max_length=200)


class WriteOffIn(Schema):
    reason: str = Field(max_length=200, description="Why; at least 5 characters.")


class OfferIn(Schema):
    text: str = Field(max_length=2000, description="The offer, as the customer reads it.")
    credit: int = Field(0, ge=0, description="A credit on the next invoice if accepted (Rp).")


class AnswerIn(Schema):
    accept: bool = Field(
        description="true: the customer stays and the request is withdrawn; false: the "
        "closing goes on."
    )


class PriceIn(Schema):
    kind: EquipmentKind
    damaged_charge: int = Field(ge=0, description="Whole rupiah.")
    missing_charge: int = Field(ge=0, description="Whole rupiah.")


class PriceListIn(Schema):
    prices: list[PriceIn] = Field(
        max_length=len(EquipmentKind.values),
        description="The whole list, each type at most once; a type left out costs nothing "
        "when it comes back damaged or missing.",
    )


# --- out ------------------------------------------------------------------------------------


class PriceOut(Schema):
    kind: EquipmentKind
    damaged_charge: int
    missing_charge: int


class ClosureOut(Schema):
    id: int
    number: str
    status: ClosureStatus = Field(description="Changed only by the action endpoints.")
    customer_id: int
    customer_number: str
    subscription_id: int
    end_date: dt.date
    reason: ClosureReason
    reason_text: str
    channel: RequestChannel
    return_method: ReturnMethod
    created_at: dt.datetime
    processed_at: dt.datetime | None
    ended_at: dt.datetime | None
    settled_at: dt.datetime | None
    closed_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class ClosureListOut(Schema):
    count: int = Field(description="All matching requests, before limit/offset.")
    limit: int
    offset: int
    items: list[ClosureOut] = Field(description="By end date, earliest first.")


class DeviceOut(Schema):
    equipment_id: int
    serial: str
    kind: EquipmentKind


class ReturnItemOut(DeviceOut):
    condition: EquipmentCondition
    charge: int = Field(description="From the price list when checked in (Rp).")
    via: ReturnMethod
    work_order_id: int | None
    note: str
    checked_in_by_id: int | None
    checked_in_at: dt.datetime


class RefundOut(Schema):
    id: int
    amount: int
    from_deposit: int
    from_credit: int
    method: RefundMethod
    reference: str
    paid_at: dt.datetime


class SettlementOut(Schema):
    deposit_held: int
    final_invoice_id: int | None
    final_invoice_number: str
    service_charge: int = Field(description="The final invoice without equipment charges.")
    equipment_charges: int
    owed: int = Field(description="Owed before the deposit was applied.")
    deposit_applied: int
    credit: int = Field(description="Unused credit, refunded with the deposit left.")
    refund_due: int
    balance_left: int = Field(description="Still owed after the deposit.")
    refund: RefundOut | None
    created_at: dt.datetime


class OfferOut(Schema):
    id: int
    text: str
    credit: int
    outcome: OfferOutcome
    made_by_id: int | None
    made_at: dt.datetime
    answered_at: dt.datetime | None


class PickupOut(Schema):
    id: int
    status: WorkOrderStatus
    scheduled_date: dt.date
    technician_id: int
    technician: str
    completed_at: dt.datetime | None


class ClosureDetailOut(ClosureOut):
    customer_name: str
    refund_bank: str
    refund_account_number: str
    refund_account_name: str
    cancel_reason: str
    written_off: int = Field(description="Written off by a manager (Rp).")
    write_off_reason: str
    actions: list[str] = Field(
        description="Lifecycle actions possible now: process, cancel, settle, close."
    )
    equipment_out: list[DeviceOut] = Field(description="Devices still at the customer's.")
    items: list[ReturnItemOut] = Field(description="Devices checked in, oldest first.")
    settlement: SettlementOut | None
    offers: list[OfferOut]
    pickup: PickupOut | None = Field(description="The latest pickup job of this request.")


# --- the customer's own ---------------------------------------------------------------------


class MyItemOut(Schema):
    serial: str
    kind: EquipmentKind
    condition: EquipmentCondition
    charge: int
    via: ReturnMethod
    checked_in_at: dt.datetime


class MyOfferOut(Schema):
    id: int
    text: str
    credit: int
    outcome: OfferOutcome
    made_at: dt.datetime
    answered_at: dt.datetime | None


class MyPickupOut(Schema):
    status: WorkOrderStatus
    scheduled_date: dt.date


class MyClosureOut(Schema):
    """A termination request as its customer sees it."""

    id: int
    number: str
    status: ClosureStatus
    subscription_id: int
    end_date: dt.date
    reason: ClosureReason
    reason_text: str
    return_method: ReturnMethod
    refund_bank: str
    refund_account_number: str
    refund_account_name: str
    created_at: dt.datetime
    processed_at: dt.datetime | None
    ended_at: dt.datetime | None
    settled_at: dt.datetime | None
    closed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    can_cancel: bool = Field(description="Until the closing team processes it.")
    equipment_out: list[str] = Field(description="Serials still to return.")
    items: list[MyItemOut]
    settlement: SettlementOut | None
    offers: list[MyOfferOut]
    pickup: MyPickupOut | None
