"""The settlement statement of a closing as PDF, in the customer's language.

Same machinery as billing's invoices and receipts (ispcare.billing.pdf: fpdf2, DejaVu
Sans, the ISP's letterhead, amounts as Rp 1.500.000, moments in WIB). The money is the
frozen Settlement; what happened since (the refund paid, the rest paid or written off)
is read as it is now, like billing's documents do.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ispcare.billing.pdf import (
    MUTED,
    OK,
    WIB,
    Document,
    date_text,
    footer_text,
    moment_text,
    pdf_bytes,
)
from ispcare.billing.services import open_balance
from ispcare.common.money import format_rupiah

from .models import Closure


def _customer_block(closure: Closure) -> list[tuple[str, float, bool]]:
    customer = closure.customer
    return [
        (_("Customer"), 8, False),
        (customer.full_name, 10.5, True),
        (_("Customer number: %(number)s") % {"number": customer.number}, 9, False),
        (customer.address_line, 8.5, False),
        (" · ".join(x for x in (customer.phone, customer.email) if x), 8.5, False),
    ]


def _lines(closure: Closure, settlement) -> list[tuple[str, str]]:
    invoice = settlement.final_invoice
    service = _("Service until %(date)s") % {"date": date_text(closure.end_date)}
    if invoice is not None:
        service = _("%(what)s (final invoice %(number)s)") % {
            "what": service,
            "number": invoice.number,
        }
    rows = [(service, format_rupiah(settlement.service_charge))]
    for item in closure.items.select_related("equipment").order_by("checked_in_at", "id"):
        e = item.equipment
        rows.append(
            (
                _("%(kind)s %(model)s, serial %(serial)s: %(condition)s")
                % {
                    "kind": e.get_kind_display(),
                    "model": e.model_name,
                    "serial": e.serial,
                    "condition": item.get_condition_display().lower(),
                },
                format_rupiah(item.charge),
            )
        )
    earlier = settlement.owed - settlement.service_charge - settlement.equipment_charges
    if earlier > 0:
        rows.append((_("Earlier invoices not yet paid"), format_rupiah(earlier)))
    return rows


def statement_pdf(closure: Closure) -> bytes:
    """The settlement statement the customer keeps: what was owed, what the deposit paid,
    the refund and what is still owed."""
    settlement = closure.settlement
    customer = closure.customer
    sub = closure.subscription
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        title = _("Settlement statement")
        doc = Document(title=f"{title} {closure.number}")
        doc.footer_text = footer_text()
        doc.add_page()
        doc.letterhead(title=title, number=closure.number)
        facts = [
            (_("Request"), closure.number),
            (_("Subscription"), f"{sub.plan.name} · {sub.pppoe_username}"),
            (_("Requested"), date_text(closure.created_at.astimezone(WIB).date())),
            (_("End date"), date_text(closure.end_date)),
            (_("Settled"), moment_text(closure.settled_at)),
            (_("Status"), closure.get_status_display()),
        ]
        doc.two_columns(_customer_block(closure), facts)

        doc.heading(_("What you owed at closing"))
        doc.money_table((_("Description"), _("Amount")), _lines(closure, settlement), (140, 40))
        totals = []
        if settlement.final_invoice is not None:
            totals.append(
                (
                    _("Final invoice %(number)s") % {"number": settlement.final_invoice.number},
                    format_rupiah(settlement.final_invoice.amount),
                    False,
                )
            )
        totals += [
            (_("Total owed"), format_rupiah(settlement.owed), True),
            (_("Deposit held"), format_rupiah(settlement.deposit_held), False),
            (_("Deposit applied"), format_rupiah(-settlement.deposit_applied), False),
        ]
        if settlement.credit:
            totals.append((_("Unused credit"), format_rupiah(settlement.credit), False))
        totals += [
            (_("Refund due to you"), format_rupiah(settlement.refund_due), True),
            (_("Still owed"), format_rupiah(settlement.balance_left), True),
        ]
        doc.totals(totals)
        doc.ln(5)

        doc.heading(_("Deposit refund"))
        refund = settlement.refund
        if refund is not None:
            doc.text_line(
                _("Paid on %(when)s by %(method)s, reference %(reference)s: %(amount)s.")
                % {
                    "when": moment_text(refund.paid_at),
                    "method": refund.get_method_display().lower(),
                    "reference": refund.reference,
                    "amount": format_rupiah(refund.amount),
                },
                size=9,
                color=OK,
            )
        elif settlement.refund_due:
            where = (
                _("by bank transfer to %(bank)s %(account)s (%(name)s)")
                % {
                    "bank": closure.refund_bank,
                    "account": closure.refund_account_number,
                    "name": closure.refund_account_name,
                }
                if closure.refund_bank
                else _("in cash at our office (%(address)s)") % {"address": settings.ISP_ADDRESS}
            )
            doc.text_line(
                _("We pay %(amount)s back %(where)s.")
                % {"amount": format_rupiah(settlement.refund_due), "where": where},
                size=9,
            )
        else:
            doc.text_line(
                _("Nothing to refund: the deposit paid what you owed."), size=9, color=MUTED
            )
        doc.ln(2)

        if settlement.balance_left:
            doc.heading(_("Still owed"))
            now = open_balance(customer_id=customer.pk)
            if closure.written_off:
                doc.text_line(
                    _("%(amount)s was written off on our side. You owe nothing more.")
                    % {"amount": format_rupiah(closure.written_off)},
                    size=9,
                    color=OK,
                )
            elif now == 0:
                doc.text_line(_("Paid in full since. Thank you."), size=9, color=OK)
            else:
                doc.text_line(
                    _(
                        "Please pay %(amount)s by bank transfer to %(bank)s with your customer "
                        "number %(number)s as the reference, online in the customer portal, or "
                        "in cash at our office (%(address)s)."
                    )
                    % {
                        "amount": format_rupiah(now),
                        "bank": settings.ISP_BANK_ACCOUNT,
                        "number": customer.number,
                        "address": settings.ISP_ADDRESS,
                    },
                    size=9,
                )
            doc.ln(2)
        doc.ln(4)
        doc.text_line(
            _(
                "Issued by %(isp)s. Thank you for having been our customer; you are welcome "
                "back any time."
            )
            % {"isp": settings.ISP_NAME},
            size=8.5,
            color=MUTED,
        )
        return pdf_bytes(doc)


def statement_filename(closure: Closure) -> str:
    with translation.override(closure.customer.language or settings.LANGUAGE_CODE):
        return f"{slugify(_('settlement'))}-{slugify(closure.number.replace('/', '-'))}.pdf"


def statement_document(closure_id: int):
    """The statement as an email attachment (notifications.documents); None before the
    settlement (or if the request is gone)."""
    from ispcare.notifications.documents import Document

    closure = (
        Closure.objects.select_related("customer", "subscription__plan")
        .filter(pk=closure_id, settlement__isnull=False)
        .first()
    )
    if closure is None:
        return None
    return Document(statement_filename(closure), statement_pdf(closure))
