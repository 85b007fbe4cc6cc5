"""bench/chat.py runs small and its figures are sound: the ticket list answers every
filter (50 rows, the number search finds its one ticket, page 2 through the cursor) and
every customer message reaches its agent over real WebSockets (uvicorn + Redis channel
layer), none lost, none refused, none twice."""

from __future__ import annotations

from tests.conftest import require

from .support import postgres_pass, postgres_server, run_bench


def _redis_up() -> tuple[bool, str]:
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
        return True, ""
    except Exception as exc:
        return False, f"Redis not reachable at 127.0.0.1:6379: {exc}"


@postgres_pass()
def test_chat_bench_quick():
    server = postgres_server()
    require(*_redis_up())
    figure = run_bench("chat", "--quick", "--server-url", server)
    assert figure["bench"] == "chat" and figure["tickets"] == 3000
    assert figure["list_rows"] == {
        "open": 50,
        "status": 50,
        "mine": 50,
        "number": 1,
        "name": 50,
        "page2": 50,
    }
    assert figure["ticket_list_p95_ms"] > 0
    assert figure["connections"] == 40 and figure["agents"] == 2
    assert figure["messages_sent"] > 0
    assert figure["messages_received"] == figure["messages_sent"]
    assert figure["messages_lost"] == 0 == figure["duplicates"]
    assert figure["rate_limited"] == 0 == figure["error_frames"]
    assert figure["agent_sockets_closed"] == 0 == figure["customer_sockets_closed"]
    assert figure["server_errors"] == 0 == figure["server_push_failures"]
    assert 0 < figure["p50_ms"] <= figure["p99_ms"] <= figure["max_ms"]
