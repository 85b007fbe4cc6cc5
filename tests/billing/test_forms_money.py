"""Money forms through their pages: recording a payment with a proof of transfer (checked
by content, size and scripts; nothing saved on refusal), downloading the proof, credits
and charges, voiding, plan prices. Bad input is a field error and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ispcare.accounts.roles import Role
from ispcare.billing.forms import AdjustmentForm, PaymentForm
from ispcare.billing.models import Adjustment, Invoice, Payment, PlanPrice
from tests.web import login

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def deposit_of(sub) -> Invoice:
    return Invoice.objects.get(subscription=sub, kind="deposit")


def post_payment(client, invoice, proof, reference="TRF-P1", **extra):
    data = {"amount": "300000", "method": "bank_transfer", "reference": reference, **extra}
    if proof is not None:
        data["proof"] = proof
    return client.post(reverse("billing:payment_create", args=[invoice.pk]), data)


@pytest.mark.parametrize(
    ("name", "content", "ctype", "ext"),
    [
        ("bukti transfer.png", PNG, "image/png", ".png"),
        ("mutasi.pdf", PDF, "application/pdf", ".pdf"),
        ("foto.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "image/jpeg", ".jpg"),
    ],
)
def test_proof_accepted_stored_under_a_random_name(
    client, onboarding, media, name, content, ctype, ext
):
    _, sub = onboarding.installed()
    login(client, Role.FINANCE)
    response = post_payment(client, deposit_of(sub), SimpleUploadedFile(name, content, ctype))
    assert response.status_code == 302, response.context["form"].errors
    payment = Payment.objects.get(reference="TRF-P1")
    stored = Path(payment.proof.path)
    assert stored.read_bytes() == content
    assert stored.suffix == ext and name.split(".")[0] not in stored.name
    assert len(stored.stem) == 32  # secrets.token_hex(16)
    assert str(stored).startswith(str(media))


HTML = b"<!doctype html><script>alert(1)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03" + b"\x00" * 100
PDF_JS = b"%PDF-1.4\n1 0 obj\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n"


@pytest.mark.parametrize(
    ("content", "ctype"),
    [(HTML, "image/png"), (SVG, "image/png"), (EXE, "image/png"), (PDF_JS, "application/pdf")],
    ids=["html", "svg", "exe", "pdf-with-javascript"],
)
def test_bad_proof_refused_and_nothing_saved(client, onboarding, media, content, ctype):
    _, sub = onboarding.installed()
    invoice = deposit_of(sub)
    login(client, Role.FINANCE)
    name = "bukti.pdf" if ctype == "application/pdf" else "bukti.png"
    response = post_payment(client, invoice, SimpleUploadedFile(name, content, ctype))
    assert response.status_code == 422
    assert response.context["form"].errors["proof"]
    assert not Payment.objects.filter(reference="TRF-P1").exists()
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0
    assert stored_files(media) == []


def test_oversize_proof_refused(client, onboarding, media, settings):
    settings.PAYMENT_PROOF_MAX_BYTES = 1024
    _, sub = onboarding.installed()
    login(client, Role.FINANCE)
    big = SimpleUploadedFile("bukti.png", PNG + b"\x00" * 2000, "image/png")
    response = post_payment(client, deposit_of(sub), big)
    assert response.status_code == 422
    assert "MB" in " ".join(response.context["form"].errors["proof"])
    assert not Payment.objects.filter(reference="TRF-P1").exists()
    assert stored_files(media) == []


def test_good_proof_but_bad_amount_saves_nothing(client, onboarding, media):
    _, sub = onboarding.installed()
    login(client, Role.FINANCE)
    response = post_payment(
        client, deposit_of(sub), SimpleUploadedFile("b.png", PNG, "image/png"), amount="nol"
    )
    assert response.status_code == 422 and response.context["form"].errors["amount"]
    assert not Payment.objects.filter(reference="TRF-P1").exists()
    assert stored_files(media) == []


def test_payment_without_proof_is_fine(client, onboarding):
    _, sub = onboarding.installed()
    login(client, Role.FINANCE)
    assert post_payment(client, deposit_of(sub), None).status_code == 302
    assert not Payment.objects.get(reference="TRF-P1").proof


def test_online_methods_cannot_be_recorded_by_hand():
    form = PaymentForm({"amount": "1000", "method": "midtrans", "reference": "X"})
    assert not form.is_valid() and form.errors["method"]


# --- the proof download ---------------------------------------------------------------------


def test_proof_download_is_an_attachment_never_inline(client, onboarding):
    _, sub = onboarding.installed()
    login(client, Role.FINANCE)
    post_payment(client, deposit_of(sub), SimpleUploadedFile("x.png", PNG, "image/png"))
    payment = Payment.objects.get(reference="TRF-P1")
    login(client, Role.CUSTOMER_SERVICE)  # billing.view
    response = client.get(reverse("billing:proof_download", args=[payment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    login(client, Role.TECHNICIAN)
    assert client.get(reverse("billing:proof_download", args=[payment.pk])).status_code == 403


def test_proof_download_of_a_payment_without_proof_is_404(client, onboarding):
    _, sub = onboarding.installed()
    payment = Payment.objects.get(invoice__subscription=sub)  # the installation cash
    login(client, Role.FINANCE)
    assert client.get(reverse("billing:proof_download", args=[payment.pk])).status_code == 404


def test_customer_cannot_download_any_proof(client, onboarding):
    customer, sub = onboarding.installed()
    login(client, Role.FINANCE)
    post_payment(client, deposit_of(sub), SimpleUploadedFile("x.png", PNG, "image/png"))
    payment = Payment.objects.get(reference="TRF-P1")
    client.force_login(customer.user)
    assert client.get(reverse("billing:proof_download", args=[payment.pk])).status_code == 403


# --- credits and charges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"direction": "credit", "amount": "0", "kind": "compensation", "description": "x"},
            "amount",
        ),
        (
            {"direction": "credit", "amount": "-5", "kind": "compensation", "description": "x"},
            "amount",
        ),
        (
            {"direction": "credit", "amount": "10000", "kind": "plan_change", "description": "x"},
            "kind",
        ),
        (
            {"direction": "credit", "amount": "10000", "kind": "compensation", "description": " "},
            "description",
        ),
        (
            {"direction": "gift", "amount": "10000", "kind": "compensation", "description": "x"},
            "direction",
        ),
    ],
)
def test_adjustment_bad_input_is_a_field_error(client, onboarding, data, field):
    customer, _ = onboarding.active()
    login(client, Role.FINANCE)
    response = client.post(reverse("billing:customer_adjust", args=[customer.pk]), data)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not Adjustment.objects.filter(customer=customer).exists()


def test_adjustment_form_signs_credits_negative():
    form = AdjustmentForm(
        {"direction": "credit", "amount": "Rp 25.000", "kind": "compensation", "description": "x"}
    )
    assert form.is_valid() and form.signed_amount() == -25_000
    form = AdjustmentForm(
        {"direction": "charge", "amount": "25000", "kind": "correction", "description": "x"}
    )
    assert form.is_valid() and form.signed_amount() == 25_000


# --- void and prices ------------------------------------------------------------------------


def test_void_without_reason_is_a_field_error(client, onboarding):
    _, sub = onboarding.installed()
    invoice = deposit_of(sub)
    login(client, Role.MANAGER)
    response = client.post(reverse("billing:invoice_void", args=[invoice.pk]), {"reason": "  "})
    assert response.status_code == 422
    assert response.context["void_form"].errors["reason"]
    invoice.refresh_from_db()
    assert invoice.status == "issued"


@pytest.mark.parametrize("price", ["0", "abc", "", "-100000"])
def test_bad_plan_price_is_a_field_error(client, onboarding, price):
    _, sub = onboarding.active()
    login(client, Role.FINANCE)
    response = client.post(
        reverse("billing:plan_prices"), {"plan": sub.plan_id, "monthly_price": price}
    )
    assert response.status_code == 422
    row = next(r for r in response.context["rows"] if r["plan"].pk == sub.plan_id)
    assert row["form"].errors["monthly_price"]
    assert not PlanPrice.objects.exists()


def test_plan_price_for_an_unknown_plan(client, onboarding):
    onboarding.active()
    login(client, Role.FINANCE)
    response = client.post(
        reverse("billing:plan_prices"), {"plan": 999_999, "monthly_price": "1000"}
    )
    assert response.status_code == 422
    assert not PlanPrice.objects.exists()
