"""One error shape everywhere: unknown ids and paths, wrong methods, bad JSON, bad query
parameters, and messages in the request's language."""

from __future__ import annotations

import pytest

from ispcare.accounts.roles import Role
from tests import factories

from .support import BASE, MISSING_IDS, WITH_ID, assert_error, call, registration_body, token_for

pytestmark = pytest.mark.django_db

VALID_BODIES = {
    "/applications/{app}/approve": {},
    "/applications/{app}/reject": {"reason": "Di luar jangkauan jaringan"},
    "/subscriptions/{sub}/installation": {"date": "2099-01-01", "technician_id": 1},
    "/work-orders/{order}/complete": {
        "serials": ["ZTEG1"],
        "amount": 1,
        "method": "cash",
        "receipt_number": "KW-1",
    },
    "/invoices/{invoice}/payments": {"amount": 1, "method": "cash", "reference": "TRF-1"},
    "/customers/{customer}/payments": {"amount": 1, "method": "cash", "reference": "TRF-2"},
    "/customers/{customer}/adjustments": {"amount": -1, "kind": "correction", "description": "x"},
    "/invoices/{invoice}/void": {"reason": "salah"},
    "/tickets/{ticket}/replies": {"body": "Sudah kami cek"},
    "/tickets/{ticket}/actions/resolve": {},
    "/tickets/{ticket}/contacts": {"channel": "phone", "summary": "Sudah dijelaskan"},
    "/tickets/{ticket}/complaint/solution": {"solution": "x", "action_taken": "y"},
    "/conversations/{conversation}/messages": {"body": "Halo"},
}


@pytest.mark.parametrize("endpoint", WITH_ID, ids=str)
def test_a_missing_id_is_404_and_changes_nothing(client, endpoint):
    key = token_for(Role.ADMIN)
    before = factories.row_counts()
    body = VALID_BODIES.get(endpoint.path) if endpoint.method == "post" else None
    response = call(client, endpoint.method, endpoint.url(MISSING_IDS), key, body)
    assert assert_error(response, 404, "not_found")["fields"] == {}
    assert factories.row_counts() == before


@pytest.mark.parametrize("path", ["/nothing-here", "/customers", "/customers/1/x", "/"])
def test_an_unknown_path_is_a_json_404(client, path):
    assert_error(client.get(BASE + path), 404, "not_found")


def test_a_method_the_path_does_not_take_is_a_json_405(client):
    response = client.delete(f"{BASE}/registrations")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


@pytest.mark.parametrize("raw", ["{not json", "[1, 2", "\x00"])
def test_a_body_that_is_not_json_is_400(client, raw):
    response = call(client, "post", "/registrations", body=raw)
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("body", ["[]", "3", '"x"'])
def test_a_body_that_is_not_an_object_is_422(client, body):
    assert_error(call(client, "post", "/registrations", body=body), 422, "validation_error")


def test_an_empty_body_is_422_naming_the_request(client):
    response = client.post(f"{BASE}/registrations", content_type="application/json")
    assert_error(response, 422, "validation_error")


def test_a_path_id_that_is_not_a_number_is_422_on_that_parameter(client):
    key = token_for(Role.ADMIN)
    body = assert_error(call(client, "get", "/customers/abc", key), 422, "validation_error")
    assert list(body["fields"]) == ["customer_id"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("offset=-1", "offset"),
        ("limit=x", "limit"),
        ("status=maybe", "status"),
    ],
)
def test_bad_query_parameters_are_422_on_the_parameter(client, query, field):
    key = token_for(Role.REGISTRATION)
    body = assert_error(call(client, "get", f"/applications?{query}", key), 422, "validation_error")
    assert list(body["fields"]) == [field]


def test_nested_body_errors_name_the_item(client, onboarding):
    _customer, _sub, order = onboarding.scheduled()
    key = token_for(user=onboarding.technician)
    body = {"serials": ["ok", 5], "amount": 1, "method": "cash", "receipt_number": "KW-1"}
    fields = assert_error(
        call(client, "post", f"/work-orders/{order.pk}/complete", key, body),
        422,
        "validation_error",
    )["fields"]
    assert list(fields) == ["serials.1"]


# --- Language ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_kind_of_error_keeps_its_shape_and_code_in_each_language(client, language):
    """Messages follow Accept-Language; the shape and the code never do."""
    lang = {"HTTP_ACCEPT_LANGUAGE": language}
    assert_error(call(client, "get", "/applications", **lang), 401, "unauthenticated")
    assert_error(
        call(client, "get", "/applications", token_for(Role.FINANCE), **lang), 403, "forbidden"
    )
    key = token_for(Role.ADMIN)
    assert_error(call(client, "get", "/customers/999", key, **lang), 404, "not_found")
    fields = assert_error(
        call(client, "post", "/registrations", body=registration_body(nik="12"), **lang),
        422,
        "validation_error",
    )["fields"]
    assert list(fields) == ["nik"]
    fields = assert_error(
        call(client, "post", "/applications/1/reject", key, {}, **lang), 422, "validation_error"
    )["fields"]
    assert list(fields) == ["reason"]
    app = factories.submit()
    call(client, "post", f"/applications/{app.pk}/reject", key, {"reason": "Di luar jangkauan"})
    assert_error(
        call(client, "post", f"/applications/{app.pk}/approve", key, {}, **lang),
        409,
        "application.already_reviewed",
    )


def test_messages_follow_accept_language(client):
    """Indonesian is the source of truth for customers; English is complete."""
    key = token_for(Role.ADMIN)

    def both(method, path, k=None, body=None):
        en = call(client, method, path, k, body, HTTP_ACCEPT_LANGUAGE="en").json()
        id_ = call(client, method, path, k, body, HTTP_ACCEPT_LANGUAGE="id").json()
        assert en["code"] == id_["code"]
        return en, id_

    en, id_ = both("get", "/applications")
    assert en["message"] == "A valid API token is required." and id_["message"] != en["message"]

    en, id_ = both("post", "/registrations", body=registration_body(nik="12"))
    assert en["fields"]["nik"] == ["NIK must be exactly 16 digits."]
    assert id_["fields"]["nik"] != en["fields"]["nik"]

    # pydantic's own errors are translated too (Django's catalogue has these).
    en, id_ = both("post", "/applications/1/reject", key, {})
    assert en["fields"]["reason"] == ["This field is required."]
    assert id_["fields"]["reason"] != en["fields"]["reason"]

    en, id_ = both("get", "/applications?limit=0", key)
    assert en["fields"]["limit"] == ["Ensure this value is greater than or equal to 1."]


def test_no_accept_language_answers_in_indonesian(client):
    body = call(client, "get", "/applications").json()
    assert body["message"] == "Diperlukan token API yang valid."


def test_an_unexpected_exception_is_a_json_500_and_is_logged(client, monkeypatch, caplog):
    from ispcare.customers import api as customers_api

    def boom(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(customers_api.selectors, "customer_subscriptions", boom)
    customer, _sub = factories.Onboarding().approved()
    response = call(client, "get", f"/customers/{customer.pk}", token_for(Role.ADMIN))
    body = assert_error(response, 500, "server_error")
    assert "fire" not in body["message"]
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records)
