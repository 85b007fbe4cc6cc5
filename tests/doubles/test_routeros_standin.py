"""The RouterOS API stand-in, driven by the real librouteros client (and raw sentences where
librouteros cannot go, e.g. tags)."""

from __future__ import annotations

import socket
import threading

import librouteros
import pytest
from librouteros.connections import SocketTransport
from librouteros.exceptions import ConnectionClosed, FatalError, MultiTrapError, TrapError
from librouteros.protocol import ApiProtocol
from librouteros.query import Key, Or

from tests.doubles.routeros import (
    RouterOSStandIn,
    decode_length_prefix,
    encode_length,
    query_matches,
)


@pytest.fixture
def standin():
    with RouterOSStandIn() as s:
        yield s


def connect(standin: RouterOSStandIn, password: str = "rahasia", username: str = "admin"):
    return librouteros.connect(
        standin.host, username=username, password=password, port=standin.port, timeout=5
    )


@pytest.fixture
def api(standin):
    api = connect(standin)
    yield api
    api.close()


def raw(standin: RouterOSStandIn) -> ApiProtocol:
    sock = socket.create_connection((standin.host, standin.port), timeout=5)
    return ApiProtocol(transport=SocketTransport(sock), encoding="utf-8")


def read_reply(proto: ApiProtocol) -> list[tuple[str, tuple[str, ...]]]:
    """Every sentence up to and including !done."""
    out = []
    while True:
        reply, words = proto.readSentence()
        out.append((reply, words))
        if reply == "!done":
            return out


# ------------------------------------------------------------------ wire format


@pytest.mark.parametrize(
    ("length", "encoded"),
    [
        (0, b"\x00"),
        (0x7F, b"\x7f"),
        (0x80, b"\x80\x80"),
        (0x3FFF, b"\xbf\xff"),
        (0x4000, b"\xc0\x40\x00"),
        (0x1FFFFF, b"\xdf\xff\xff"),
        (0x200000, b"\xe0\x20\x00\x00"),
        (0xFFFFFFF, b"\xef\xff\xff\xff"),
        (0x10000000, b"\xf0\x10\x00\x00\x00"),
    ],
)
def test_length_prefix_follows_the_api_table(length, encoded):
    assert encode_length(length) == encoded
    more, value = decode_length_prefix(encoded[0])
    assert more == len(encoded) - 1
    for byte in encoded[1:]:
        value = (value << 8) | byte
    assert value == length


def test_reserved_control_byte_is_refused():
    with pytest.raises(ValueError, match="reserved"):
        decode_length_prefix(0xF8)


def test_a_word_sent_with_a_five_byte_prefix_is_read(standin):
    with socket.create_connection((standin.host, standin.port), timeout=5) as sock:
        proto = ApiProtocol(transport=SocketTransport(sock), encoding="utf-8")
        proto.writeSentence("/login", "=name=admin", "=password=rahasia")
        assert read_reply(proto) == [("!done", ())]
        word = b"/system/identity/print"
        sock.sendall(b"\xf0" + len(word).to_bytes(4, "big") + word + b"\x00")
        assert read_reply(proto) == [("!re", ("=name=MikroTik",)), ("!done", ())]


@pytest.mark.parametrize("size", [200, 20_000, 2_100_000])  # 2-, 3- and 4-byte length prefixes
def test_long_words_round_trip(api, standin, size):
    comment = ("pelanggan-" * (size // 10 + 1))[:size]
    secrets = api.path("ppp", "secret")
    secrets.add(name="panjang", password="x", comment=comment)
    assert standin.secrets["panjang"]["comment"] == comment
    (row,) = secrets.select(Key("comment")).where(Key("name") == "panjang")
    assert row["comment"] == comment


# ------------------------------------------------------------------ login


def test_login_with_the_right_password(standin):
    api = connect(standin)
    assert list(api("/system/identity/print")) == [{"name": "MikroTik"}]
    api.close()
    assert standin.logins == [("admin", True)]
    assert standin.commands == [("/system/identity/print", {})]  # /login itself is not recorded


@pytest.mark.parametrize(("username", "password"), [("admin", "salah"), ("root", "rahasia")])
def test_wrong_credentials_raise_trap_error(standin, username, password):
    with pytest.raises(TrapError) as caught:
        connect(standin, username=username, password=password)
    assert caught.value.message == "invalid user name or password (6)"
    assert standin.logins == [(username, False)]


def test_failed_login_answers_trap_then_done_and_allows_another_try(standin):
    proto = raw(standin)
    proto.writeSentence("/login", "=name=admin", "=password=salah")
    assert read_reply(proto) == [
        ("!trap", ("=message=invalid user name or password (6)",)),
        ("!done", ()),
    ]
    proto.writeSentence("/login", "=name=admin", "=password=rahasia")
    assert read_reply(proto) == [("!done", ())]
    proto.close()


def test_a_command_before_login_is_fatal(standin):
    proto = raw(standin)
    proto.writeSentence("/ppp/secret/print")
    with pytest.raises(FatalError, match="not logged in"):
        proto.readSentence()
    assert standin.commands == []


def test_quit_is_fatal_with_the_routeros_reason(api):
    with pytest.raises(FatalError, match="session terminated on request"):
        list(api("/quit"))


# ------------------------------------------------------------------ /ppp/secret


def test_secret_add_print_set_remove(api, standin):
    secrets = api.path("ppp", "secret")
    new_id = secrets.add(name="budi", password="s3cret", profile="10M", service="pppoe")
    assert new_id == "*1"
    assert standin.secrets["budi"] == {
        ".id": "*1",
        "name": "budi",
        "service": "pppoe",
        "password": "s3cret",
        "profile": "10M",
        "disabled": "false",
    }
    secrets.add(name="ani", password="p", profile="20M", service="pppoe", comment="cust 7")

    # librouteros turns "false"/"true" into bools and numeric strings into ints
    assert list(secrets) == [
        {
            ".id": "*1",
            "name": "budi",
            "service": "pppoe",
            "password": "s3cret",
            "profile": "10M",
            "disabled": False,
        },
        {
            ".id": "*2",
            "name": "ani",
            "service": "pppoe",
            "password": "p",
            "profile": "20M",
            "disabled": False,
            "comment": "cust 7",
        },
    ]
    name = Key("name")
    assert list(secrets.select(Key(".id"), Key("profile")).where(name == "ani")) == [
        {".id": "*2", "profile": "20M"}
    ]

    secrets.update(**{".id": new_id, "profile": "isolir", "disabled": True})
    assert standin.secrets["budi"]["profile"] == "isolir"
    assert standin.secrets["budi"]["disabled"] == "true"
    (row,) = secrets.select(Key("disabled")).where(name == "budi")
    assert row == {"disabled": True}

    secrets.remove(new_id)
    assert list(standin.secrets) == ["ani"]
    assert [c for c, _ in standin.commands] == [
        "/ppp/secret/add",
        "/ppp/secret/add",
        "/ppp/secret/print",
        "/ppp/secret/print",
        "/ppp/secret/set",
        "/ppp/secret/print",
        "/ppp/secret/remove",
    ]
    assert standin.commands[3] == (
        "/ppp/secret/print",
        {".proplist": ".id,profile", "?name": "ani"},
    )
    assert standin.commands[4] == (
        "/ppp/secret/set",
        {".id": "*1", "profile": "isolir", "disabled": "yes"},
    )


def test_numeric_password_comes_back_as_int_through_librouteros(api):
    api.path("ppp", "secret").add(name="c1", password="123456")
    (row,) = api.path("ppp", "secret")
    assert row["password"] == 123456


def test_secret_defaults_are_routeros_defaults(api, standin):
    api.path("ppp", "secret").add(name="polos", password="x")
    assert standin.secrets["polos"]["service"] == "any"
    assert standin.secrets["polos"]["profile"] == "default"


def test_duplicate_secret_traps(api, standin):
    secrets = api.path("ppp", "secret")
    secrets.add(name="budi", password="a")
    with pytest.raises(TrapError) as caught:
        secrets.add(name="budi", password="b")
    assert caught.value.message == "failure: secret with the same name already exists"
    assert standin.secrets["budi"]["password"] == "a"


def test_unknown_profile_traps_with_category_1(api, standin):
    with pytest.raises(TrapError) as caught:
        api.path("ppp", "secret").add(name="budi", password="a", profile="100M")
    assert caught.value.message == "input does not match any value of profile"
    assert caught.value.category == 1
    assert standin.secrets == {}
    standin.profiles.append("100M")
    api.path("ppp", "secret").add(name="budi", password="a", profile="100M")
    with pytest.raises(TrapError, match="profile"):
        api.path("ppp", "secret").update(**{".id": "*1", "profile": "nope"})


def test_set_or_remove_unknown_id_traps_no_such_item(api):
    secrets = api.path("ppp", "secret")
    with pytest.raises(TrapError) as caught:
        secrets.update(**{".id": "*99", "profile": "10M"})
    assert caught.value.message == "no such item (4)"
    with pytest.raises(TrapError, match=r"no such item \(4\)"):
        secrets.remove("*99")


def test_unknown_parameter_traps(api):
    with pytest.raises(TrapError, match="unknown parameter passwd"):
        api.path("ppp", "secret").add(name="budi", passwd="x")


def test_set_can_rename_and_address_by_name(api, standin):
    secrets = api.path("ppp", "secret")
    secrets.add(name="a", password="1")
    secrets.add(name="b", password="2")
    secrets.update(**{".id": "a", "name": "c"})
    assert list(standin.secrets) == ["c", "b"]
    with pytest.raises(TrapError, match="same name"):
        secrets.update(**{".id": "*2", "name": "c"})


def test_secrets_written_by_the_test_are_served(api, standin):
    with standin.lock:
        standin.secrets["lama"] = {"password": "x", "profile": "10M", "disabled": "false"}
    (row,) = api.path("ppp", "secret")
    assert row["name"] == "lama"
    assert row[".id"].startswith("*")


# ------------------------------------------------------------------ queries


def test_queries_or_in_and_not_equal(api):
    secrets = api.path("ppp", "secret")
    for name, profile in [("a", "10M"), ("b", "20M"), ("c", "isolir")]:
        secrets.add(name=name, password="x", profile=profile)
    name, profile = Key("name"), Key("profile")
    select = secrets.select(name)
    assert [r["name"] for r in select.where(Or(name == "a", name == "c"))] == ["a", "c"]
    assert [r["name"] for r in select.where(profile.In("10M", "20M"))] == ["a", "b"]
    assert [r["name"] for r in select.where(profile != "isolir")] == ["a", "b"]
    assert [r["name"] for r in select.where(name == "a", profile == "20M")] == []
    # raw words as the RouterOS docs write them
    assert [r["name"] for r in api.rawCmd("/ppp/secret/print", "?profile=isolir")] == ["c"]
    assert list(api.rawCmd("/ppp/secret/print", "=count-only=")) == [{"ret": 3}]


@pytest.mark.parametrize(
    ("queries", "matches"),
    [
        ([], True),
        (["type=ether"], True),
        (["type=vlan"], False),
        (["type=vlan", "type=ether", "#|"], True),
        (["type=vlan", "type=ether", "#|!"], False),
        (["comment"], False),
        (["-comment"], True),
        (["name"], True),
        ([">mtu=1400"], True),
        (["<mtu=1400"], False),
        (["disabled=no"], True),
        (["disabled=yes"], False),
        (["type=vlan", "type=ether", "#0"], True),  # index at end: replace stack with top
        (["type=vlan", "type=ether", "#1"], False),
        (["type=ether", "#."], True),
    ],
)
def test_query_stack_semantics(queries, matches):
    item = {"name": "ether1", "type": "ether", "mtu": "1500", "disabled": "false"}
    assert query_matches(item, queries) is matches


# ------------------------------------------------------------------ /ip/firewall/address-list


def test_address_list_add_print_remove(api, standin):
    lists = api.path("ip", "firewall", "address-list")
    first = lists.add(list="isolir", address="10.10.0.5", comment="cust 1")
    lists.add(list="isolir", address="10.10.0.6")
    lists.add(list="vip", address="10.10.0.5")
    assert standin.address_lists[0] == {
        ".id": first,
        "list": "isolir",
        "address": "10.10.0.5",
        "comment": "cust 1",
        "disabled": "false",
    }
    lst, address = Key("list"), Key("address")
    rows = list(lists.select(Key(".id"), address).where(lst == "isolir"))
    assert rows == [{".id": "*1", "address": "10.10.0.5"}, {".id": "*2", "address": "10.10.0.6"}]
    (row,) = lists.select(Key(".id")).where(lst == "isolir", address == "10.10.0.6")
    lists.remove(row[".id"])
    assert [(e["list"], e["address"]) for e in standin.address_lists] == [
        ("isolir", "10.10.0.5"),
        ("vip", "10.10.0.5"),
    ]
    assert standin.commands[-1] == ("/ip/firewall/address-list/remove", {".id": "*2"})


def test_duplicate_address_list_entry_traps(api, standin):
    lists = api.path("ip", "firewall", "address-list")
    lists.add(list="isolir", address="10.10.0.5")
    with pytest.raises(TrapError) as caught:
        lists.add(list="isolir", address="10.10.0.5/32")
    assert caught.value.message == "failure: already have such entry"
    assert len(standin.address_lists) == 1
    with pytest.raises(TrapError, match=r"no such item \(4\)"):
        lists.remove("*77")


# ------------------------------------------------------------------ /ppp/active


def test_active_sessions_print_and_remove(api, standin):
    budi = standin.add_active("budi", "10.10.0.5")
    standin.add_active("ani", "10.10.0.6")
    active = api.path("ppp", "active")
    rows = list(active)
    assert [(r["name"], r["address"], r["service"]) for r in rows] == [
        ("budi", "10.10.0.5", "pppoe"),
        ("ani", "10.10.0.6", "pppoe"),
    ]
    assert rows[0][".id"] == budi
    assert {"caller-id", "uptime"} <= set(rows[0])

    (row,) = active.select(Key(".id")).where(Key("name") == "budi")
    active.remove(row[".id"])
    assert [s["name"] for s in standin.active] == ["ani"]
    assert [r["name"] for r in api("/ppp/active/print")] == ["ani"]
    with pytest.raises(TrapError, match=r"no such item \(4\)"):
        active.remove(budi)


# ------------------------------------------------------------------ faults


def test_fail_next_is_a_trap_error_then_things_work_again(api, standin):
    standin.fail_next("failure: router busy", times=2, category=4)
    secrets = api.path("ppp", "secret")
    for _ in range(2):
        with pytest.raises(TrapError) as caught:
            secrets.add(name="budi", password="x")
        assert caught.value.message == "failure: router busy"
        assert caught.value.category == 4
    assert standin.secrets == {}
    secrets.add(name="budi", password="x")
    assert "budi" in standin.secrets
    assert [c for c, _ in standin.commands] == ["/ppp/secret/add"] * 3


def test_fail_next_without_category(api, standin):
    standin.fail_next("timeout")
    with pytest.raises(TrapError) as caught:
        list(api.path("ppp", "active"))
    assert caught.value.category is None


def test_drop_next_closes_the_connection_without_a_reply(api, standin):
    standin.drop_next()
    with pytest.raises(ConnectionClosed):
        api.path("ppp", "secret").add(name="budi", password="x")
    assert standin.secrets == {}  # a dropped command is recorded but not carried out
    assert standin.commands == [("/ppp/secret/add", {"name": "budi", "password": "x"})]
    again = connect(standin)  # the login of a new connection is not dropped
    again.path("ppp", "secret").add(name="budi", password="x")
    again.close()
    assert "budi" in standin.secrets


def test_unknown_menu_gives_the_two_routeros_traps(api):
    with pytest.raises(MultiTrapError) as caught:
        list(api("/ip/adress/print"))
    assert [(t.message, t.category) for t in caught.value.traps] == [
        ("no such command or directory (adress)", 0),
        ("no such command prefix", None),
    ]
    with pytest.raises(MultiTrapError, match=r"\(frobnicate\)"):
        list(api("/ppp/secret/frobnicate"))


def test_stop_closes_open_client_connections(standin):
    api = connect(standin)
    assert standin.open_connections == 1
    standin.stop()
    with pytest.raises((ConnectionClosed, OSError)):
        list(api("/ppp/secret/print"))
    api.close()


def test_restart_keeps_the_port_and_the_state(standin):
    api = connect(standin)
    api.path("ppp", "secret").add(name="budi", password="x")
    port = standin.port
    standin.stop()
    standin.start()
    assert standin.port == port
    with pytest.raises((ConnectionClosed, OSError)):
        list(api("/ppp/secret/print"))  # the old connection died with the "reboot"
    api.close()
    again = connect(standin)
    assert [r["name"] for r in again.path("ppp", "secret")] == ["budi"]
    again.close()


# ------------------------------------------------------------------ tags and concurrency


def test_tag_is_echoed_on_every_reply_sentence(standin):
    standin.add_active("budi", "10.10.0.5")
    standin.add_active("ani", "10.10.0.6")
    proto = raw(standin)
    proto.writeSentence("/login", "=name=admin", "=password=rahasia", ".tag=login")
    assert read_reply(proto) == [("!done", (".tag=login",))]
    proto.writeSentence("/ppp/active/print", "=.proplist=name", ".tag=7")
    assert read_reply(proto) == [
        ("!re", (".tag=7", "=name=budi")),
        ("!re", (".tag=7", "=name=ani")),
        ("!done", (".tag=7",)),
    ]
    proto.writeSentence("/ppp/secret/remove", "=.id=*9", ".tag=x9")
    assert read_reply(proto) == [
        ("!trap", (".tag=x9", "=message=no such item (4)")),
        ("!done", (".tag=x9",)),
    ]
    proto.writeSentence("/ppp/secret/add", "=name=ani", "=password=p", ".tag=")  # empty: no tag
    assert read_reply(proto) == [("!done", ("=ret=*1",))]
    proto.close()


def test_several_connections_at_once(standin):
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            api = connect(standin)
            secrets = api.path("ppp", "secret")
            for j in range(5):
                secrets.add(name=f"u{i}-{j}", password="x")
            assert len(list(secrets.select(Key("name")).where(Key("name") == f"u{i}-0"))) == 1
            api.close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert len(standin.secrets) == 40
    assert len({s[".id"] for s in standin.secrets.values()}) == 40
