"""RADIUS_DATABASE_URL: FreeRADIUS's tables in a database of their own.

Runs ISPcare in a child process against two fresh PostgreSQL databases (the main one and
the RADIUS one): `migrate` and `migrate --database radius`, then a subscriber's access
applied. The RADIUS tables must exist only in the RADIUS database, ISPcare's own only in
the main one, and the subscriber's rows must land in the RADIUS database.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from ispcare.network.routers import RADIUS_TABLES
from tests.bench.support import DATABASE_URL, ON_POSTGRES, postgres_reachable
from tests.conftest import require
from tests.subprocesses import clean_env

pytestmark = pytest.mark.postgres

SCRIPT = """
import django
django.setup()
from ispcare.network.groups import GroupSpec, groups_sync
from ispcare.network.services import access_apply, access_set
from ispcare.network.specs import AccessSpec, AccessState
groups_sync(groups=[GroupSpec("rumah-20", {"Mikrotik-Rate-Limit": "20M/20M"})])
access_set(spec=AccessSpec("vn261200001", "pw", "rumah-20", AccessState.ISOLATED))
assert access_apply(username="vn261200001", backend="freeradius")
print("applied")
"""


def _sql(url: str, dbname: str, sql: str) -> list:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/" + dbname, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


@pytest.mark.skipif(
    not ON_POSTGRES, reason="runs in the PostgreSQL pass (DATABASE_URL=postgres://…)"
)
def test_radius_tables_in_their_own_database(tmp_path):
    ok, reason = postgres_reachable(DATABASE_URL)
    require(ok, reason)
    suffix = uuid.uuid4().hex[:8]
    main, radius = f"ispcare_main_{suffix}", f"ispcare_radius_{suffix}"
    for name in (main, radius):
        _sql(DATABASE_URL, "postgres", f'CREATE DATABASE "{name}"')
    base = DATABASE_URL.rsplit("/", 1)[0]
    env = clean_env(
        DJANGO_SETTINGS_MODULE="ispcare.settings",
        ISPCARE_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"{base}/{main}",
        RADIUS_DATABASE_URL=f"{base}/{radius}",
        HUEY_IMMEDIATE="1",
    )
    try:
        for args in (["migrate"], ["migrate", "--database", "radius"]):
            done = subprocess.run(
                [sys.executable, "-m", "django", *args, "--verbosity", "0"],
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
            )
            assert done.returncode == 0, done.stderr[-2000:]
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0 and "applied" in run.stdout, run.stderr[-2000:]

        def tables(db: str) -> set[str]:
            rows = _sql(
                DATABASE_URL, db, "SELECT tablename FROM pg_tables WHERE schemaname='public'"
            )
            return {r[0] for r in rows}

        radius_tables = set(RADIUS_TABLES)
        assert radius_tables <= tables(radius)
        assert not radius_tables & tables(main)
        assert "network_subscriberaccess" in tables(
            main
        ) and "network_subscriberaccess" not in tables(radius)
        assert "customers_customer" not in tables(radius)
        groups = _sql(
            DATABASE_URL, radius, "SELECT groupname FROM radusergroup WHERE username='vn261200001'"
        )
        assert groups == [("isolir",)]
    finally:
        for name in (main, radius):
            _sql(DATABASE_URL, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
