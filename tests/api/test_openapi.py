"""The committed openapi.json is the API's contract: it must match what the code serves."""

from pathlib import Path

from ispcare.common.management.commands.export_openapi import schema_text

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def test_committed_schema_is_current():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "openapi.json is stale: run `make openapi` (ispcare export_openapi) and commit it"
    )


def test_schema_served_at_api_root(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and "/api/v1/registrations" in response.json()["paths"]
