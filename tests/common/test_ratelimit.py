"""Fixed-window rate limits per client address."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from ispcare.common.errors import RateLimited
from ispcare.common.ratelimit import client_ip, rate_limit_hit, rate_limited

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "test": (3, 60)}
    cache.clear()
    yield
    cache.clear()


def _request(ip: str = "10.0.0.1", method: str = "post", **extra):
    return getattr(RequestFactory(), method)("/x/", REMOTE_ADDR=ip, **extra)


def test_limit_then_rate_limited():
    for _ in range(3):
        rate_limit_hit(_request(), "test")
    with pytest.raises(RateLimited) as exc:
        rate_limit_hit(_request(), "test")
    assert exc.value.status == 429 and exc.value.code == "rate_limited"


def test_each_address_has_its_own_count():
    for _ in range(3):
        rate_limit_hit(_request("10.0.0.1"), "test")
    rate_limit_hit(_request("10.0.0.2"), "test")  # not refused
    with pytest.raises(RateLimited):
        rate_limit_hit(_request("10.0.0.1"), "test")


def test_each_limit_name_counts_separately(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "other": (3, 60)}
    for _ in range(3):
        rate_limit_hit(_request(), "test")
    rate_limit_hit(_request(), "other")


def test_next_window_starts_again():
    # Only the limiter's clock moves (the cache keeps its real clock for expiry).
    with mock.patch("ispcare.common.ratelimit.time", mock.Mock(time=lambda: 6000.0)):
        for _ in range(3):
            rate_limit_hit(_request(), "test")
        with pytest.raises(RateLimited):
            rate_limit_hit(_request(), "test")
    same_window = mock.Mock(time=lambda: 6059.0)
    with mock.patch("ispcare.common.ratelimit.time", same_window), pytest.raises(RateLimited):
        rate_limit_hit(_request(), "test")
    with mock.patch("ispcare.common.ratelimit.time", mock.Mock(time=lambda: 6060.0)):
        rate_limit_hit(_request(), "test")


def test_disabled_limits_count_nothing(settings):
    settings.RATE_LIMITS_ENABLED = False
    for _ in range(10):
        rate_limit_hit(_request(), "test")


def test_forwarded_for_is_ignored_unless_trusted(settings):
    spoofed = {"HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert client_ip(_request("10.0.0.9", **spoofed)) == "10.0.0.9"
    for n in range(3):
        rate_limit_hit(_request("10.0.0.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"), "test")
    with pytest.raises(RateLimited):  # a new forged header per request does not help
        rate_limit_hit(_request("10.0.0.9", HTTP_X_FORWARDED_FOR="9.9.9.9"), "test")
    settings.TRUST_X_FORWARDED_FOR = True
    assert client_ip(_request("10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.9")) == "1.2.3.4"


def test_decorator_answers_429_on_post_only():
    @rate_limited("test")
    def view(request):
        return HttpResponse("ok")

    assert [view(_request()).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert view(_request(method="get")).status_code == 200  # GET is not limited
    refused = view(_request())
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/plain")
    assert view(_request("10.0.0.2")).status_code == 200
