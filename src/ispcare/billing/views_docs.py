"""Documents staff download: an invoice or a receipt as PDF, and the proof of transfer a
payment was recorded with.

Everything here is an attachment: a proof is whatever a customer sent, so it is never
shown inline, never sniffed, and never served from MEDIA_URL (the web server must not
serve the media directory; only this view reads it, after the permission check).
"""

from __future__ import annotations

import io

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.text import slugify

from ispcare.accounts.decorators import capability_required

from . import pdf
from .models import Invoice, Payment
from .proofs import proof_content_type


def attachment(data: bytes | io.IOBase, *, filename: str, content_type: str) -> FileResponse:
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    response = FileResponse(
        stream, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Should a browser render it anyway: no scripts, no same-origin access.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def invoice_pdf_response(invoice: Invoice) -> FileResponse:
    return attachment(
        pdf.invoice_pdf(invoice),
        filename=pdf.invoice_filename(invoice),
        content_type="application/pdf",
    )


def receipt_pdf_response(payment: Payment) -> FileResponse:
    return attachment(
        pdf.receipt_pdf(payment),
        filename=pdf.receipt_filename(payment),
        content_type="application/pdf",
    )


@capability_required("billing.view")
def invoice_pdf(request, pk: int):
    invoice = get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)
    return invoice_pdf_response(invoice)


@capability_required("billing.view")
def receipt_pdf(request, payment_pk: int):
    payment = get_object_or_404(Payment.objects.select_related("customer"), pk=payment_pk)
    return receipt_pdf_response(payment)


@capability_required("billing.view")
def proof_download(request, payment_pk: int):
    payment = get_object_or_404(Payment, pk=payment_pk)
    if not payment.proof:
        raise Http404
    try:
        handle = payment.proof.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = payment.proof.name.rsplit("/", 1)[-1]
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return attachment(
        handle,
        filename=f"proof-{slugify(payment.reference.replace('/', '-')) or payment.pk}{ext}",
        content_type=proof_content_type(name),
    )
