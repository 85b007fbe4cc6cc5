"""The customer's data download (UU PDP, decision 0019): everything we hold about them,
plain JSON, and nothing of anyone else; and the scrubbing rules the anonymisation uses."""

from __future__ import annotations

import json

import pytest

from ispcare.billing.models import Invoice
from ispcare.closures.privacy import customer_data_download, customer_data_export
from ispcare.common.privacy import REDACTED, Subject, pseudonym_for, sections
from ispcare.customers.choices import EventKind
from ispcare.customers.models import Event

from .test_privacy_support import person


@pytest.fixture
def pair(onboarding, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return (
        person(onboarding, "Wiwik Sulastriningsih", "Jl. Cendana Wangi No. 17"),
        person(onboarding, "Heru Kurniawan", "Jl. Melati Putih No. 3"),
    )


@pytest.mark.django_db
def test_the_export_holds_their_records_and_nothing_of_anyone_else(pair):
    mine, other = pair
    data = customer_data_export(mine.customer.pk)
    text = json.dumps(data, ensure_ascii=False)  # plain JSON: no custom encoder needed

    assert data["customer_number"] == mine.customer.number
    # The NIK in full: it is theirs.
    assert data["customer"]["nik"] == mine.nik
    assert data["customer"]["full_name"] == mine.name
    assert data["account"]["email"] == mine.email
    assert data["application"]["street"] == mine.street
    assert [s["plan"] for s in data["subscriptions"]] == ["home-20"]
    numbers = set(Invoice.objects.filter(customer=mine.customer).values_list("number", flat=True))
    assert {i["number"] for i in data["invoices"]} == numbers
    assert all(isinstance(i["amount"], int) for i in data["invoices"])  # money as ints
    assert any(p["note"].startswith("Transfer dari") for p in data["payments"])
    assert any(m["template_key"] == "welcome" for m in data["messages"])
    # The helpdesk: their tickets (the call before they were a customer too) and chats.
    subjects = {t["subject"] for t in data["tickets"]}
    assert {
        "Internet mati sejak pagi",
        "Tagihan ganda",
        f"Info paket untuk {mine.name}",
    } <= subjects
    assert any(
        m["text"] == f"Alamat saya {mine.street}" and m["image"]
        for c in data["chats"]
        for m in c["messages"]
    )
    assert any(v["problem"] == f"Rumah {mine.name}, {mine.street}" for v in data["visits"])
    # Staff's internal notes are not part of the self-service download.
    assert f"NIK {mine.nik}" not in text
    # Dates as ISO strings.
    assert data["customer"]["created_at"][:4].isdigit() and "T" in data["customer"]["created_at"]

    # Nothing of the other customer.
    assert not other.found_in(text)
    others = set(Invoice.objects.filter(customer=other.customer).values_list("number", flat=True))
    assert not any(n in text for n in others)
    assert other.customer.number not in text


@pytest.mark.django_db
def test_every_section_exports_distinct_keys(pair):
    mine, _ = pair
    subject = Subject(customer_id=mine.customer.pk, label=mine.customer.number, pseudonym="x")
    seen: dict[str, str] = {}
    for section in sections():
        for key in section.exporter(subject):
            assert key not in seen, f"{section.name} and {seen[key]} both export {key!r}"
            seen[key] = section.name


@pytest.mark.django_db
def test_a_download_is_a_file_and_an_event(pair):
    mine, _ = pair
    name, body = customer_data_download(customer_id=mine.customer.pk, actor=mine.customer.user)
    assert name.startswith(f"data-{mine.customer.number}-") and name.endswith(".json")
    assert json.loads(body.decode("utf-8"))["customer"]["nik"] == mine.nik
    event = Event.objects.get(customer=mine.customer, kind=EventKind.DATA_EXPORTED)
    assert event.actor == mine.customer.user
    assert event.reason == "" and event.data == {}  # nothing of the content is kept


def _subject(**kw) -> Subject:
    return Subject(
        customer_id=1,
        label="VN-2401-00001",
        pseudonym=pseudonym_for("VN-2401-00001"),
        names=("Wiwik Sulastriningsih",),
        niks=("3404010101900001",),
        phones=("+6281234567890",),
        emails=("wiwik@example.id",),
        streets=("Jl. Cendana Wangi No. 17",),
        **kw,
    )


@pytest.mark.parametrize(
    "spelling",
    [
        "+6281234567890",
        "6281234567890",
        "081234567890",
        "0812 3456 7890",
        "0812-3456-7890",
        "+62 812-3456-7890",
        "(0812) 34567890",
        "81234567890",
    ],
)
def test_a_phone_number_is_scrubbed_in_any_spelling(spelling):
    s = _subject()
    assert s.scrub(f"hubungi {spelling} sore") == f"hubungi {REDACTED} sore"


def test_scrubbing_leaves_other_text_alone():
    s = _subject()
    text = "Tagihan INV/2026/000123 Rp 300.000, nomor lain 081299998888, NIK 3404010101900002"
    assert s.scrub(text) == text


def test_names_become_the_pseudonym_and_other_values_the_marker():
    s = _subject()
    assert s.scrub("Ibu WIWIK sulastriningsih, Jl. Cendana  Wangi No. 17") == (
        f"Ibu {s.pseudonym}, {REDACTED}"
    )
    assert s.scrub("Pak Sulastriningsih") == f"Pak {s.pseudonym}"
    assert s.scrub("email Wiwik@Example.id NIK 3404010101900001") == (
        f"email {REDACTED} NIK {REDACTED}"
    )
    assert s.scrub_json({"to": ["wiwik@example.id"], "n": 5}) == {"to": [REDACTED], "n": 5}


def test_the_pseudonym_is_stable_and_does_not_show_the_number(settings):
    one = pseudonym_for("VN-2401-00001")
    assert one == pseudonym_for("VN-2401-00001")
    assert one != pseudonym_for("VN-2401-00002")
    assert one.startswith("ANON-") and len(one) == 15 and "2401" not in one
    settings.SECRET_KEY = "another-key-entirely-" * 3
    assert pseudonym_for("VN-2401-00001") != one  # keyed: not recomputable without it
