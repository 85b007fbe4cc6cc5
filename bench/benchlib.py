"""What every bench script needs: a throwaway database (PostgreSQL or SQLite) and Django."""

from __future__ import annotations

import argparse
import os
import resource

DEFAULT_SERVER = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ispcare")


def add_db_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    p.add_argument("--server-url", default=DEFAULT_SERVER, help="PostgreSQL server to use")
    p.add_argument("--keep", action="store_true", help="keep the bench database afterwards")


def server_dsn(url: str, dbname: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + dbname


def admin_sql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server_dsn(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def configure(args: argparse.Namespace, tmp: str, **env: str) -> str:
    """Point the settings at a fresh database; return its name (or file) for the cleanup."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="ispcare.settings",
        ISPCARE_VAR_DIR=tmp,
        HUEY_IMMEDIATE="1",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        RATE_LIMITS_ENABLED="0",
        LOG_LEVEL="WARNING",
    )
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = os.path.join(tmp, "bench.sqlite3")
        return os.environ["SQLITE_PATH"]
    name = f"ispcare_bench_{os.getpid()}"
    admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(args.server_url, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = server_dsn(args.server_url, name)
    return name


def drop(args: argparse.Namespace, db_name: str) -> None:
    if args.db == "postgresql" and not args.keep:
        admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the database cache (rate limits, pacing)


def peak_mb() -> int:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def plan_create():
    """The plan every bench subscriber is on."""
    from ispcare.customers.models import Plan

    return Plan.objects.create(
        code="rumah-20",
        name="Rumah 20",
        speed_mbps=20,
        monthly_price=200_000,
        installation_fee=250_000,
        deposit=300_000,
        radius_profile="rumah-20",
    )
