"""bench/closing.py runs small and its figures are sound: the queue answers every view (a
full page of open requests, a full page of the closed tab, the customer-number search
finds its one request), every request page answers; the end-date job ends exactly the
requests due today, each with its subscription ended, its network access disabled and
pending (Huey not immediate: enqueued, not applied), its event and notice; the
anonymisation takes exactly the customers past retention and leaves none of a sample
customer's personal data in the rows the load gave them."""

from __future__ import annotations

from .support import postgres_pass, postgres_server, run_bench


@postgres_pass()
def test_closing_bench_quick():
    server = postgres_server()
    figure = run_bench("closing", "--quick", "--server-url", server)
    assert figure["bench"] == "closing" and figure["problems"] == []
    assert figure["subscribers"] == 2000 and figure["open_requests"] == 200
    assert figure["closed_requests"] == 1000
    assert figure["rows"]["closure"] >= 1200
    # (a) the pages
    assert figure["queue_rows"] == {
        "default": 50,
        "tab_in_progress": 50,
        "tab_closed": 50,
        "search_number": 1,
        "search_number_all": 1,
    }
    assert figure["search_found"] is True
    assert 0 < figure["queue_p50_ms"] <= figure["queue_p95_ms"] <= figure["queue_max_ms"]
    assert 0 < figure["detail_p50_ms"] <= figure["detail_p95_ms"] <= figure["detail_max_ms"]
    for status in ("requested", "in_progress", "ended", "settled"):
        assert figure[f"detail_{status}_queries"] > 0
    # (b) the end-date job, with the network apply only enqueued
    assert figure["huey_immediate"] is False
    assert figure["sweep_ended"] == figure["ending"] == 20 and figure["sweep_failed"] == 0
    assert figure["sweep_subscriptions_ended"] == 20
    assert figure["sweep_access_disabled_pending"] == 20
    assert figure["sweep_events"] == 20 and figure["sweep_notices"] >= 20
    assert figure["sweep_enqueued_tasks"] >= 20
    assert figure["sweep_seconds"] >= figure["sweep_ending_seconds"] > 0
    # (c) the anonymisation
    assert figure["anonymised"] == figure["anonymise"] == 100
    assert figure["anonymise_sample_clean"] == dict.fromkeys(
        (
            "customer",
            "account",
            "payments",
            "notifications",
            "ticket",
            "ticket_updates",
            "chat",
            "closure",
        ),
        True,
    )
    assert figure["anonymise_per_s"] > 0 and figure["anonymise_peak_mb"] > 0
