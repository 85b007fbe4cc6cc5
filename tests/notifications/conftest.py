"""Servers for the notification tests: a real SMTP server and the WhatsApp stand-in."""

from __future__ import annotations

import pytest

from tests.doubles.smtp import SMTPServer
from tests.doubles.whatsapp_cloud import WhatsAppCloudStandIn

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"


@pytest.fixture
def smtp(settings):
    """aiosmtpd on loopback; Django's SMTP backend pointed at it."""
    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def wa_cloud(settings):
    """The WhatsApp Business Cloud API stand-in (protocol-level double), configured."""
    with WhatsAppCloudStandIn() as cloud:
        settings.WHATSAPP = {
            "api_url": cloud.base_url,
            "api_version": cloud.api_version,
            "phone_number_id": cloud.phone_number_id,
            "access_token": cloud.access_token,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "timeout": 2.0,
        }
        yield cloud
