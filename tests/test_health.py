"""GET /health/: JSON with the state of the database, the job queue and the channel layer."""

from __future__ import annotations

import pytest

from ispcare import health

pytestmark = pytest.mark.django_db


def test_all_ok(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert set(body) == {"status", "database", "queue", "channel_layer", "outbox"}
    for name in ("database", "queue", "channel_layer", "outbox"):
        assert body[name]["ok"] is True, body[name]
        assert body[name]["ms"] >= 0
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}
    assert body["queue"]["backend"] in {"SqliteHuey", "RedisHuey"}
    assert isinstance(body["queue"]["pending"], int)
    assert body["channel_layer"]["backend"] in {"InMemoryChannelLayer", "RedisChannelLayer"}


def test_broken_database_reports_degraded_with_503(client, monkeypatch):
    def broken():
        raise ConnectionError("could not connect to server")

    monkeypatch.setattr(health, "_database", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == {
        "ok": False,
        "error": "ConnectionError: could not connect to server",
    }
    assert body["queue"]["ok"] is True
    assert body["channel_layer"]["ok"] is True


def test_broken_queue_is_named(client, monkeypatch):
    def broken():
        raise OSError("huey storage unavailable")

    monkeypatch.setattr(health, "_queue", broken)
    body = client.get("/health/").json()
    assert body["status"] == "degraded"
    assert body["queue"]["ok"] is False and "huey storage unavailable" in body["queue"]["error"]


def test_only_get(client):
    assert client.post("/health/").status_code == 405


def test_outbox_backlog_is_reported(client):
    from tests.notifications.support import announce

    announce("health-1")
    announce("health-2", email="bad@")
    outbox = client.get("/health/").json()["outbox"]
    assert (outbox["waiting"], outbox["failed_24h"]) == (1, 1)
    assert outbox["oldest_waiting_s"] >= 0
