"""The committed openapi.json is the API's contract: it must match what the code serves.

Regenerate it with `ispcare export_openapi` (or `make openapi`) and commit the result.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ispcare.accounts.roles import CAPABILITIES
from ispcare.common.management.commands.export_openapi import schema_diff, schema_text

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def test_committed_schema_is_current():
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    fresh = schema_text()
    assert committed == fresh, (
        "openapi.json is stale: the API changed. Regenerate it with "
        "`.venv/bin/ispcare export_openapi` (or `make openapi`) from the repository root, "
        "review the diff and commit it.\n" + schema_diff(committed, fresh)
    )


def test_committed_schema_is_formatted_as_exported():
    text = COMMITTED.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_export_check_fails_with_a_diff_when_stale(tmp_path):
    stale = tmp_path / "openapi.json"
    stale.write_text('{"openapi": "3.0.0"}\n', encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="stale"):
        call_command("export_openapi", output=str(stale), check=True, stdout=out)
    assert "--- " in out.getvalue() and "+++ " in out.getvalue()
    call_command("export_openapi", output=str(stale), stdout=io.StringIO())
    call_command("export_openapi", output=str(stale), check=True, stdout=io.StringIO())
    assert stale.read_text(encoding="utf-8") == schema_text()


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(schema_text())
    assert client.get("/api/v1/docs").status_code == 200


def _schemas() -> tuple[dict, dict]:
    schema = json.loads(schema_text())
    return schema["paths"], schema["components"]["schemas"]


def _resolve(ref_or_schema: dict, components: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    return components[ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def test_no_request_can_write_a_status_or_state():
    """State changes go through action endpoints only."""
    paths, components = _schemas()
    for path, ops in paths.items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if not body:
                continue
            props = _resolve(body["schema"], components).get("properties", {})
            assert not {"status", "state", "access"} & set(props), (method, path, props)


def test_every_operation_documents_its_errors_and_auth():
    paths, _components = _schemas()
    for path, ops in paths.items():
        for method, op in ops.items():
            responses = set(op["responses"])
            assert "422" in responses, (method, path)
            if (method, path) == ("post", "/api/v1/registrations"):
                assert "security" not in op and "429" in responses
            else:
                assert op["security"] == [{"BearerToken": []}], (method, path)
                assert {"401", "403"} <= responses, (method, path)
                described = re.search(
                    r"Capability: `([a-z_.]+)`", " ".join(op["description"].split())
                )
                assert described and described[1] in CAPABILITIES, (method, path)
