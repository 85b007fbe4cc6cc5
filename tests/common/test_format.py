"""Money as `Rp 1.500.000` and moments in WIB, in code and in templates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from ispcare.common.money import format_rupiah


@pytest.mark.parametrize(
    "amount,text",
    [
        (1_500_000, "Rp 1.500.000"),
        (0, "Rp 0"),
        (999, "Rp 999"),
        (1000, "Rp 1.000"),
        (250_000_000_000, "Rp 250.000.000.000"),
        (-25_000, "-Rp 25.000"),
        (-1, "-Rp 1"),
        ("300000", "Rp 300.000"),
        (None, ""),
    ],
)
def test_format_rupiah(amount, text):
    assert format_rupiah(amount) == text


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_rupiah_filter_is_a_builtin():
    assert _render("{{ amount|rupiah }}", amount=1_500_000) == "Rp 1.500.000"


def test_rupiah_does_not_follow_the_english_thousand_separator():
    with translation.override("en"):
        assert _render("{{ amount|rupiah }}", amount=1_500_000) == "Rp 1.500.000"


UTC_EVENING = dt.datetime(2025, 1, 1, 17, 30, tzinfo=dt.UTC)


def test_wib_filter_moves_utc_evening_to_the_next_day():
    with translation.override("en"):
        assert _render("{{ t|wib }}", t=UTC_EVENING) == "2 Jan 2025 00:30 WIB"


def test_wib_filter_ignores_the_active_time_zone():
    with translation.override("en"), timezone.override(dt.UTC):
        assert _render("{{ t|wib:'Y-m-d H:i' }}", t=UTC_EVENING) == "2025-01-02 00:30 WIB"


def test_wib_filter_in_indonesian_and_empty():
    with translation.override("id"):
        assert _render("{{ t|wib:'j F Y H:i' }}", t=UTC_EVENING) == "2 Januari 2025 00:30 WIB"
    assert _render("{{ t|wib }}", t=None) == ""


def test_stored_time_is_utc_and_local_date_is_wib(settings):
    assert settings.USE_TZ and settings.TIME_ZONE == "Asia/Jakarta"
    assert timezone.localtime(UTC_EVENING).date() == dt.date(2025, 1, 2)
