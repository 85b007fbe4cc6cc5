"""bench/radius_auth.py runs and its figures are sound: every Access-Request answered
(accepted, none lost) from ISPcare's tables and from flat files, the answers carry the
plan and isolir attributes, every answer became a radpostauth row, every state change
reached the test NAS as an acknowledged CoA and the next Access-Request saw it."""

from __future__ import annotations

import os
import shutil

from tests.conftest import require

from .support import postgres_pass, postgres_server, run_bench


@postgres_pass()
def test_bench_on_postgresql():
    server = postgres_server()
    freeradius = shutil.which("freeradius") or "/usr/sbin/freeradius"
    require(os.access(freeradius, os.X_OK), "no freeradius binary: apt-get install freeradius")
    require(shutil.which("radclient") is not None, "no radclient: apt-get install freeradius-utils")
    figure = run_bench(
        "radius_auth",
        *("--users", "500", "--requests", "400", "--clients", "2"),
        *("--probe-rate", "200", "--probe-seconds", "1", "--coa-changes", "5"),
        *("--server-url", server),
    )
    assert figure["bench"] == "radius_auth" and figure["users"] == 500
    for name in ("sql", "files"):
        run = figure[name]
        assert run["sent"] == 400 == run["accepted"], run
        assert run["lost"] == 0 and run["rejected"] == 0
        assert run["open_probe"]["answered"] == run["open_probe"]["sent"] > 0
        assert run["closed_probe"]["lost"] == 0
        assert run["replies_ok"]
    assert figure["all_answered"] and figure["replies_ok"]
    assert figure["sql"]["postauth_rows"] == figure["sql"]["answered_total"]
    for key in ("sql_rps", "files_rps", "ratio", "sql_p99_ms", "coa_p95_s"):
        assert figure[key] > 0, key
    assert figure["drops"] >= 0
    assert figure["coa_changes"] == 5 == figure["coa_next_request_isolated"]
    assert {"User-Name", "Acct-Session-Id", "Framed-IP-Address", "Mikrotik-Address-List"} <= set(
        figure["coa_attributes"]
    )
