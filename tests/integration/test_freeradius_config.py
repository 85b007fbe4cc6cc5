"""ISPcare's FreeRADIUS configuration (deploy/freeradius) against a real FreeRADIUS 3.2 and
PostgreSQL.

A scratch database of its own (ispcare_fr_<pid>) gets Debian's standard FreeRADIUS schema
and the rows ISPcare would write: a `nas` row for 127.0.0.1, a plan group and the
isolation group with their MikroTik reply attributes, users in each, a disabled user.
Then the server, started from the repository's config dir, must answer as the network
app expects: plan and isolation attributes on Access-Accept, rejects for disabled users
and wrong passwords, group changes effective on the next request, accounting in radacct,
every verdict in radpostauth, and silence for a wrong shared secret.

Skipped (with the reason) without the freeradius binary or PostgreSQL on 127.0.0.1:5432;
under ISPCARE_REQUIRE_ALL=1 that fails instead.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

from tests.conftest import require
from tests.integration.freeradius import (
    CONF_DIR,
    ENV_FILE,
    FREERADIUS,
    SCHEMA_SQL,
    FreeRadiusServer,
    access_request,
    accounting,
)

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
DB_NAME = f"ispcare_fr_{os.getpid()}"
SECRET = "testing123"

PLAN = "paket-20m"
ISOLIR = "isolir"
USERS = {
    # user name: (password, group)
    "budi": ("budi-rahasia", PLAN),
    "siti": ("siti-rahasia", ISOLIR),
    "andi": ("andi-rahasia", PLAN),  # disabled below: Auth-Type := Reject
    "dewi": ("dewi-rahasia", PLAN),  # moved to isolir by a test
    "rina+wifi": ("rina-rahasia", PLAN),  # "+": outside rlm_sql's safe_characters
}


def _connect(dbname: str):
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True, connect_timeout=3
    )


def _postgres_up() -> tuple[bool, str]:
    import psycopg

    try:
        _connect("postgres").close()
        return True, ""
    except psycopg.Error as exc:
        return False, f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT} as {PG_USER}: {exc}"


def _seed(conn) -> None:
    conn.execute(SCHEMA_SQL.read_text())
    conn.execute(
        "INSERT INTO nas (nasname, shortname, type, secret) VALUES (%s, %s, %s, %s)",
        ("127.0.0.1", "test-nas", "other", SECRET),
    )
    group_reply = [
        (PLAN, "Mikrotik-Rate-Limit", ":=", "20M/20M"),
        (ISOLIR, "Mikrotik-Rate-Limit", ":=", "256k/256k"),
        (ISOLIR, "Mikrotik-Address-List", ":=", "isolir"),
    ]
    check = [(user, "Cleartext-Password", ":=", pw) for user, (pw, _) in USERS.items()]
    check.append(("andi", "Auth-Type", ":=", "Reject"))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES (%s, %s, %s, %s)",
            group_reply,
        )
        cur.executemany(
            "INSERT INTO radcheck (username, attribute, op, value) VALUES (%s, %s, %s, %s)",
            check,
        )
        cur.executemany(
            "INSERT INTO radusergroup (username, groupname, priority) VALUES (%s, %s, 1)",
            [(user, group) for user, (_, group) in USERS.items()],
        )


@pytest.fixture(scope="module")
def db():
    """The scratch database, seeded; dropped afterwards."""
    require(
        os.access(FREERADIUS, os.X_OK),
        f"no freeradius binary ({FREERADIUS}): apt-get install freeradius freeradius-postgresql",
    )
    require(SCHEMA_SQL.exists(), f"no FreeRADIUS PostgreSQL schema at {SCHEMA_SQL}")
    ok, reason = _postgres_up()
    require(ok, reason)
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    try:
        with _connect(DB_NAME) as conn:
            _seed(conn)
            yield conn
    finally:
        with _connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


@pytest.fixture(scope="module")
def server(db, tmp_path_factory):
    radius = FreeRadiusServer(
        db_host=PG_HOST,
        db_port=PG_PORT,
        db_name=DB_NAME,
        db_user=PG_USER,
        workdir=tmp_path_factory.mktemp("freeradius"),
    )
    with radius:
        print(f"FreeRADIUS ready in {radius.startup_seconds:.2f} s")
        yield radius


def _auth(server, user, password=None, **kwargs):
    if password is None:
        password = USERS[user][0]
    return access_request(
        server.auth_port, username=user, password=password, secret=SECRET, **kwargs
    )


def _env_names_in_config() -> set[str]:
    names = set()
    for path in CONF_DIR.rglob("*"):
        if path.is_file() and path.suffix not in (".md", ".env", ".dictionary"):
            for line in path.read_text().splitlines():
                if not line.lstrip().startswith("#"):
                    names.update(re.findall(r"\$ENV\{(\w+)\}", line))
    return names


def test_every_env_variable_has_a_default_in_the_env_file():
    """FreeRADIUS reads an unset $ENV{} as empty, so freeradius.env must list them all,
    and the harness must set them all."""
    in_file = {
        line.split("=", 1)[0]
        for line in ENV_FILE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    in_config = _env_names_in_config()
    assert in_config == in_file
    harness = FreeRadiusServer(db_name="x", workdir="/nonexistent", auth_port=1, acct_port=2)
    assert set(harness.env) == in_config


def test_config_check_passes(db, tmp_path):
    radius = FreeRadiusServer(db_name=DB_NAME, workdir=tmp_path)
    check = subprocess.run(
        [FREERADIUS, "-XC", "-d", str(CONF_DIR)],
        env={**os.environ, **radius.env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]
    assert "Configuration appears to be OK" in check.stdout
    # The config dir's own files, not /etc/freeradius/3.0's.
    assert "/etc/freeradius" not in check.stdout


def test_starts_as_debians_systemd_unit_runs_it(db, tmp_path):
    """freeradius.service runs `freeradius -f $FREERADIUS_OPTIONS`: no -l, so the log{}
    section of radiusd.conf is used (it failed to parse without `prefix` defined)."""
    radius = FreeRadiusServer(db_name=DB_NAME, workdir=tmp_path, log_arg=False)
    assert "-l" not in radius.command()
    with radius:
        assert _auth(radius, "budi")[0] == "accept"
    assert "Ready to process requests" in (tmp_path / "radius.log").read_text()


def test_active_user_gets_the_plan_rate_limit(server):
    verdict, reply = _auth(server, "budi")
    assert verdict == "accept"
    assert reply["Mikrotik-Rate-Limit"] == ["20M/20M"]
    assert "Mikrotik-Address-List" not in reply


def test_isolated_user_gets_the_isolir_attributes(server):
    verdict, reply = _auth(server, "siti")
    assert verdict == "accept"
    assert reply["Mikrotik-Rate-Limit"] == ["256k/256k"]
    assert reply["Mikrotik-Address-List"] == ["isolir"]


def test_disabled_user_is_rejected_without_reply_attributes(server):
    verdict, reply = _auth(server, "andi")
    assert verdict == "reject"
    assert not any(name.startswith("Mikrotik-") for name in reply), reply


def test_wrong_password_and_unknown_user_are_rejected(server):
    assert _auth(server, "budi", "not-the-password")[0] == "reject"
    assert _auth(server, "nobody", "whatever")[0] == "reject"


def test_chap(server):
    verdict, reply = _auth(server, "budi", chap=True)
    assert verdict == "accept"
    assert reply["Mikrotik-Rate-Limit"] == ["20M/20M"]
    assert _auth(server, "budi", "not-the-password", chap=True)[0] == "reject"


def test_mschap(server):
    """MS-CHAP (radclient turns MS-CHAP-Password into an MS-CHAPv1 challenge/response);
    the accept carries the MPPE keys PPP encryption needs."""
    radclient = shutil.which("radclient")
    require(radclient is not None, "no radclient: apt-get install freeradius-utils")

    def send(password: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                radclient,
                "-x",
                "-r",
                "1",
                "-t",
                "3",
                f"127.0.0.1:{server.auth_port}",
                "auth",
                SECRET,
            ],
            input=f'User-Name = "budi", MS-CHAP-Password = "{password}", '
            "NAS-IP-Address = 127.0.0.1\n",
            capture_output=True,
            text=True,
            timeout=10,
        )

    good = send(USERS["budi"][0])
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Access-Accept" in good.stdout and "MS-CHAP-MPPE-Keys" in good.stdout
    assert 'Mikrotik-Rate-Limit = "20M/20M"' in good.stdout
    bad = send("not-the-password")
    assert bad.returncode == 1 and "Access-Reject" in bad.stdout


def test_user_name_outside_safe_characters_is_rejected(server):
    """rlm_sql MIME-encodes characters outside its safe_characters ("+" -> "=2B") before
    the lookup, so ISPcare must keep user and group names to letters, digits and
    "@.-_". Such a user must fail closed: rejected, never accepted without its groups
    (which is what auto_escape = yes would do in FreeRADIUS 3.2)."""
    verdict, reply = _auth(server, "rina+wifi")
    assert verdict == "reject"
    assert not reply


def test_moving_a_user_to_isolir_changes_the_next_accept(server, db):
    assert _auth(server, "dewi")[1]["Mikrotik-Rate-Limit"] == ["20M/20M"]
    db.execute("UPDATE radusergroup SET groupname = %s WHERE username = 'dewi'", (ISOLIR,))
    verdict, reply = _auth(server, "dewi")
    assert verdict == "accept"
    assert reply["Mikrotik-Rate-Limit"] == ["256k/256k"]
    assert reply["Mikrotik-Address-List"] == ["isolir"]
    db.execute("UPDATE radusergroup SET groupname = %s WHERE username = 'dewi'", (PLAN,))
    assert "Mikrotik-Address-List" not in _auth(server, "dewi")[1]


def test_accounting_start_and_stop(server, db):
    session = uuid.uuid4().hex[:8]

    def row():
        return db.execute(
            "SELECT username, host(framedipaddress), acctstoptime, acctsessiontime,"
            " acctterminatecause, host(nasipaddress) FROM radacct WHERE acctsessionid = %s",
            (session,),
        ).fetchall()

    sent = accounting(
        server.acct_port,
        username="budi",
        session_id=session,
        status="Start",
        secret=SECRET,
        framed_ip="100.64.0.10",
        Calling_Station_Id="AA:BB:CC:DD:EE:01",
    )
    assert sent
    [(user, ip, stopped, _, _, nas)] = row()
    assert (user, ip, stopped, nas) == ("budi", "100.64.0.10", None, "127.0.0.1")

    assert accounting(
        server.acct_port,
        username="budi",
        session_id=session,
        status="Stop",
        secret=SECRET,
        framed_ip="100.64.0.10",
        Acct_Session_Time=120,
        Acct_Terminate_Cause="User-Request",
    )
    [(_, _, stopped, seconds, cause, _)] = row()
    assert stopped is not None
    assert (seconds, cause) == (120, "User-Request")


def _eventually(check, timeout: float = 15.0):
    """check() until it returns something truthy (returned) or the timeout (its last
    value). radpostauth is written by the post-auth reader, about a second after the
    answer."""
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def test_every_verdict_is_logged_in_radpostauth(server, db):
    """Durable post-auth off the request path: a record in a local file when the answer
    is sent, a radpostauth row from the post-auth reader (sites-enabled/postauth-buffered)
    shortly after, with the answer and its time, not the insert's."""

    sent_at = db.execute("SELECT clock_timestamp()").fetchone()[0]

    def counts() -> list[int]:
        # Rows of the answers below: authdate is the answer's time (earlier tests' rows
        # may still be arriving).
        return [
            db.execute(
                "SELECT count(*) FROM radpostauth"
                " WHERE username = %s AND reply = %s AND authdate >= %s",
                (user, reply, sent_at),
            ).fetchone()[0]
            for user, reply in (
                ("budi", "Access-Accept"),
                ("budi", "Access-Reject"),
                ("andi", "Access-Reject"),
            )
        ]

    _auth(server, "budi")
    _auth(server, "budi", "not-the-password")
    _auth(server, "andi")
    answered_at = db.execute("SELECT clock_timestamp()").fetchone()[0]
    assert _eventually(lambda: counts() == [1, 1, 1]), counts()
    [(first, last)] = db.execute(
        "SELECT min(authdate), max(authdate) FROM radpostauth WHERE authdate >= %s",
        (sent_at,),
    ).fetchall()
    # authdate is when the answer went out (ms precision), not when the reader ran.
    assert sent_at - dt.timedelta(seconds=1) <= first <= last <= answered_at
    # No password is stored, and none is on disk on the way.
    assert db.execute("SELECT count(*) FROM radpostauth WHERE pass IS NOT NULL").fetchone()[0] == 0
    for path in (server.workdir / "radacct").rglob("*"):
        if path.is_file():
            assert USERS["budi"][0] not in path.read_text(errors="replace")


def test_postauth_records_wait_for_the_database_and_are_not_lost(db, tmp_path):
    """Records not yet inserted when FreeRADIUS stops (here: stopped right after the
    answers, before or while the reader works) stay in the local file and become rows
    at the next start, each exactly once (the reader marks what it has done)."""
    radius = FreeRadiusServer(db_name=DB_NAME, workdir=tmp_path)
    marker = "AA:BB:CC:00:00:%02d"

    def rows() -> int:
        return db.execute(
            "SELECT count(*) FROM radpostauth WHERE callingstationid LIKE 'AA:BB:CC:00:00:%%'"
        ).fetchone()[0]

    db.execute("DELETE FROM radpostauth WHERE callingstationid LIKE 'AA:BB:CC:00:00:%%'")
    with radius:
        for i in range(5):
            _radclient_auth(radius, "budi", calling=marker % i)
        radius.stop()  # at once: the reader may have had no turn yet
    left = rows()
    with FreeRadiusServer(db_name=DB_NAME, workdir=tmp_path):
        assert _eventually(lambda: rows() == 5), (left, rows())


def _radclient_auth(server, user: str, *, calling: str) -> None:
    radclient = shutil.which("radclient")
    require(radclient is not None, "no radclient: apt-get install freeradius-utils")
    done = subprocess.run(
        [radclient, "-r", "1", "-t", "3", f"127.0.0.1:{server.auth_port}", "auth", SECRET],
        input=f'User-Name = "{user}", User-Password = "{USERS[user][0]}", '
        f'Calling-Station-Id = "{calling}", NAS-IP-Address = 127.0.0.1\n',
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_plan_and_disable_changes_apply_to_the_next_request(server, db):
    """The prepared statements read the tables afresh on every request: a new rate
    limit on the plan's group, a disabled and re-enabled account, each seen by the very
    next Access-Request (no cache anywhere)."""
    assert _auth(server, "budi")[1]["Mikrotik-Rate-Limit"] == ["20M/20M"]
    db.execute(
        "UPDATE radgroupreply SET value = '30M/30M' WHERE groupname = %s"
        " AND attribute = 'Mikrotik-Rate-Limit'",
        (PLAN,),
    )
    try:
        assert _auth(server, "budi")[1]["Mikrotik-Rate-Limit"] == ["30M/30M"]
    finally:
        db.execute(
            "UPDATE radgroupreply SET value = '20M/20M' WHERE groupname = %s"
            " AND attribute = 'Mikrotik-Rate-Limit'",
            (PLAN,),
        )
    assert _auth(server, "budi")[1]["Mikrotik-Rate-Limit"] == ["20M/20M"]
    # Disabled as ISPcare does it: one transaction rewrites the user's rows.
    with db.transaction():
        db.execute("DELETE FROM radcheck WHERE username = 'dewi'")
        db.execute("DELETE FROM radusergroup WHERE username = 'dewi'")
        db.execute(
            "INSERT INTO radcheck (username, attribute, op, value)"
            " VALUES ('dewi', 'Auth-Type', ':=', 'Reject')"
        )
    try:
        assert _auth(server, "dewi")[0] == "reject"
    finally:
        with db.transaction():
            db.execute("DELETE FROM radcheck WHERE username = 'dewi'")
            db.execute(
                "INSERT INTO radcheck (username, attribute, op, value)"
                " VALUES ('dewi', 'Cleartext-Password', ':=', %s)",
                (USERS["dewi"][0],),
            )
            db.execute(
                "INSERT INTO radusergroup (username, groupname, priority) VALUES ('dewi', %s, 1)",
                (PLAN,),
            )
    verdict, reply = _auth(server, "dewi")
    assert verdict == "accept" and reply["Mikrotik-Rate-Limit"] == ["20M/20M"]


def test_per_user_and_group_reply_rows_reach_the_accept(server, db):
    """One statement returns the check and reply rows; the reply rows land in the control
    list and sites-enabled/default moves the listed attributes to the reply: a
    per-customer radreply row (a static IP) and a group's Framed-Pool, from the very
    next request, gone with the rows."""
    db.execute(
        "INSERT INTO radreply (username, attribute, op, value)"
        " VALUES ('budi', 'Framed-IP-Address', ':=', '100.64.1.5')"
    )
    db.execute(
        "INSERT INTO radgroupreply (groupname, attribute, op, value)"
        " VALUES (%s, 'Framed-Pool', ':=', 'isolir-pool')",
        (ISOLIR,),
    )
    try:
        verdict, reply = _auth(server, "budi")
        assert verdict == "accept"
        assert reply["Framed-IP-Address"] == ["100.64.1.5"]
        assert reply["Mikrotik-Rate-Limit"] == ["20M/20M"]
        assert "Framed-Pool" not in reply
        verdict, reply = _auth(server, "siti")
        assert verdict == "accept"
        assert reply["Framed-Pool"] == ["isolir-pool"]
        assert reply["Mikrotik-Address-List"] == ["isolir"]
        assert "Framed-IP-Address" not in reply
    finally:
        db.execute("DELETE FROM radreply WHERE username = 'budi'")
        db.execute("DELETE FROM radgroupreply WHERE attribute = 'Framed-Pool'")
    assert "Framed-IP-Address" not in _auth(server, "budi")[1]
    assert "Framed-Pool" not in _auth(server, "siti")[1]


def test_wrong_shared_secret_gets_no_answer(server):
    from pyrad.client import Timeout

    with pytest.raises(Timeout):
        access_request(
            server.auth_port,
            username="budi",
            password=USERS["budi"][0],
            secret="not-the-secret",
            timeout=0.5,
        )
    assert not accounting(
        server.acct_port,
        username="budi",
        session_id="x",
        status="Start",
        secret="not-the-secret",
        timeout=0.5,
    )
    assert server.running()
    assert _auth(server, "budi")[0] == "accept"


# --- the Redis read path (docs/decisions/0014-radius-redis-read-path.md) ----------------


@pytest.fixture
def redis_values(server):
    """Set a subscriber's value the way ISPcare does (network.radius_cache), under this
    server's own key prefix; removed afterwards."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        require(False, f"Redis not reachable at 127.0.0.1:6379: {exc}")
    prefix = server.env["RADIUS_REDIS_PREFIX"]
    written = []

    def put(user: str, value: str) -> None:
        written.append(f"{prefix}u:{user}")
        client.set(written[-1], value)

    yield put
    if written:
        client.delete(*written)


def test_a_redis_value_answers_without_the_tables(server, redis_values):
    """One GET answers: a subscriber the tables do not know is accepted with the value's
    attributes; a wrong password is still rejected."""
    redis_values("cached-only", "7.3|A|5M/5M|isolir|pool-a|cache-pw")
    verdict, reply = _auth(server, "cached-only", "cache-pw")
    assert verdict == "accept"
    assert reply["Mikrotik-Rate-Limit"] == ["5M/5M"]
    assert reply["Mikrotik-Address-List"] == ["isolir"]
    assert reply["Framed-Pool"] == ["pool-a"]
    assert _auth(server, "cached-only", "cache-pw", chap=True)[0] == "accept"
    assert _auth(server, "cached-only", "wrong")[0] == "reject"
    redis_values("cached-plain", "7.3|A|1M/1M|||pw|with|bars")  # the password is the rest
    verdict, reply = _auth(server, "cached-plain", "pw|with|bars")
    assert verdict == "accept" and reply["Mikrotik-Rate-Limit"] == ["1M/1M"]
    assert "Mikrotik-Address-List" not in reply and "Framed-Pool" not in reply


def test_a_disabled_value_rejects(server, redis_values):
    redis_values("budi", "9.1|R")
    verdict, reply = _auth(server, "budi")
    assert verdict == "reject" and not any(n.startswith("Mikrotik-") for n in reply)


def test_a_tombstone_or_an_unknown_value_falls_back_to_the_tables(server, redis_values):
    """ISPcare's tombstone (it is changing the rows), or anything the unlang does not
    parse: the SQL statement answers."""
    for value in ("9.1|X", "garbage", "9.1|A|too|few"):
        redis_values("siti", value)
        verdict, reply = _auth(server, "siti")
        assert verdict == "accept", value
        assert reply["Mikrotik-Address-List"] == ["isolir"], value


def test_names_the_expansion_cannot_take_never_reach_redis(server, redis_values):
    """A "+" (or "%", a space) in the name: no GET, the SQL path decides (and rejects a
    name outside rlm_sql's safe characters)."""
    redis_values("rina+wifi", "1.1|A|1M/1M|||rina-rahasia")
    assert _auth(server, "rina+wifi")[0] == "reject"


def test_redis_down_means_sql_answers(db, tmp_path):
    """No Redis where FreeRADIUS looks (a closed port): it starts, and every request is
    answered from the tables."""
    with FreeRadiusServer(db_name=DB_NAME, workdir=tmp_path, redis_port=1) as radius:
        verdict, reply = _auth(radius, "budi")
        assert verdict == "accept" and reply["Mikrotik-Rate-Limit"] == ["20M/20M"]
        assert _auth(radius, "andi")[0] == "reject"
        assert _auth(radius, "siti")[1]["Mikrotik-Address-List"] == ["isolir"]
