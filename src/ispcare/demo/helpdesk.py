"""Demo helpdesk: canned replies agents use every day, and tickets in the states a
customer-service team sees on a normal morning (a fault with a restoration estimate and
a technician visit, a complaint told and closed, a billing question waiting on the
customer, a visitor's offline message)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from ispcare.customers.models import Customer
from ispcare.helpdesk.models import CannedReply, Ticket
from ispcare.helpdesk.services import (
    complaint_solution,
    contact_record,
    fault_escalate,
    ticket_create,
    ticket_reply,
    ticket_transition,
)

CANNED = [
    (
        "salam",
        "Salam pembuka",
        "Selamat datang di layanan pelanggan Vokasi.Net. Ada yang bisa kami bantu?",
        "Welcome to Vokasi.Net customer service. How can we help?",
    ),
    (
        "restart",
        "Restart modem",
        "Mohon matikan modem (ONT) selama 30 detik lalu nyalakan lagi, dan tunggu lampu PON "
        "menyala hijau. Kabari kami hasilnya ya.",
        "Please switch the modem (ONT) off for 30 seconds, switch it on again and wait for the "
        "PON light to turn green. Let us know how it goes.",
    ),
    (
        "los",
        "Lampu LOS merah",
        "Lampu LOS merah berarti kabel fiber ke rumah Anda terputus. Kami kirim teknisi; "
        "nomor tiket akan kami kirimkan.",
        "A red LOS light means the fibre to your home is cut. We will send a technician and "
        "send you the ticket number.",
    ),
    (
        "bayar",
        "Cara bayar",
        "Tagihan bisa dibayar online di portal (menu Tagihan), transfer ke BNI 0123456789 "
        "a.n. PT Vokasi Net dengan berita nomor pelanggan, atau tunai di kantor.",
        "Invoices can be paid online in the portal (Invoices), by transfer to BNI 0123456789 "
        "(PT Vokasi Net) with your customer number as reference, or in cash at our office.",
    ),
    (
        "tutup",
        "Penutup",
        "Terima kasih sudah menghubungi Vokasi.Net. Semoga harinya menyenangkan!",
        "Thank you for contacting Vokasi.Net. Have a nice day!",
    ),
]


def load(staff: dict, made: Counter) -> None:
    for shortcut, title, text_id, text_en in CANNED:
        _, created = CannedReply.objects.get_or_create(
            shortcut=shortcut,
            defaults={"title": title, "text_id": text_id, "text_en": text_en},
        )
        made["canned replies"] += created
    if Ticket.objects.exists():
        return
    cs, noc, tech = staff["cs"], staff["noc"], staff["teknisi"]
    people = {c.full_name: c for c in Customer.objects.all()}
    wahyu, dimas, ratna = (
        people.get("Wahyu Kurniawan"),
        people.get("Dimas Saputra"),
        people.get("Ratna Sari"),
    )
    if wahyu:
        fault = ticket_create(
            kind="fault",
            subject="Internet mati, lampu LOS merah",
            description="Sejak pukul 06.00 lampu LOS merah, sudah restart modem.",
            source="phone",
            priority="high",
            customer_id=wahyu.pk,
            actor=cs,
        )
        ticket_reply(
            ticket_id=fault.pk,
            actor=noc,
            body="Redaman fiber tinggi di ODP dekat rumah Anda; teknisi kami akan memperbaikinya.",
            eta=timezone.now() + dt.timedelta(hours=5),
        )
        fault_escalate(
            ticket_id=fault.pk,
            actor=noc,
            technician_id=tech.pk,
            date=timezone.localdate(),
            problem="LOS merah, redaman tinggi di ODP",
        )
        made["tickets"] += 1
    if dimas:
        complaint = ticket_create(
            kind="complaint",
            subject="Kecepatan tidak sesuai paket",
            source="chat",
            customer_id=dimas.pk,
            actor=cs,
            complaint={
                "what_happened": "Kecepatan hanya 5 Mbps padahal paket 20 Mbps.",
                "since": (timezone.now() - dt.timedelta(days=3)).isoformat(),
                "location": "Rumah, lantai 2 (WiFi)",
                "impact": "Tidak bisa rapat online untuk kerja.",
                "contact": "WhatsApp, setelah jam 16.00",
            },
        )
        complaint_solution(
            ticket_id=complaint.pk,
            actor=cs,
            solution="Kanal WiFi bertabrakan dengan tetangga; kecepatan kabel normal 20 Mbps.",
            action_taken="Kanal WiFi dipindah ke 5 GHz dari jarak jauh.",
        )
        ticket_transition(ticket_id=complaint.pk, action="resolve", actor=cs)
        contact_record(
            ticket_id=complaint.pk,
            actor=cs,
            channel="whatsapp",
            summary="Dijelaskan penyebab dan perubahan kanal; pelanggan sudah uji 19 Mbps.",
        )
        ticket_transition(ticket_id=complaint.pk, action="close", actor=cs)
        made["tickets"] += 1
    if ratna:
        question = ticket_create(
            kind="billing",
            subject="Minta rincian tagihan bulan lalu",
            source="portal",
            customer_id=ratna.pk,
            actor=ratna.user,
        )
        ticket_reply(
            ticket_id=question.pk,
            actor=cs,
            body="Rincian sudah kami kirim ke email Anda. Apakah ada yang kurang jelas?",
        )
        ticket_transition(ticket_id=question.pk, action="wait_customer", actor=cs)
        made["tickets"] += 1
    ticket_create(
        kind="question",
        subject="Apakah jaringan sudah sampai Godean?",
        description="Pesan di luar jam kerja dari pengunjung situs.",
        source="chat",
        contact_name="Bagus",
        contact_phone="081298765432",
    )
    made["tickets"] += 1
