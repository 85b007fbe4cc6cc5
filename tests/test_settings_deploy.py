"""Production settings pass Django's deployment checklist without a single warning."""

from __future__ import annotations

import secrets
import subprocess
import sys

from tests.subprocesses import clean_env


def _env(tmp_path, **extra) -> dict:
    return clean_env(
        DJANGO_SETTINGS_MODULE="ispcare.settings",
        ISPCARE_VAR_DIR=str(tmp_path),
        ISPCARE_PRODUCTION="1",
        **extra,
    )


def _check(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "django", "check", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_warnings(tmp_path):
    env = _env(tmp_path, SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="isp.example.id")
    result = _check(env, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = _env(tmp_path, ALLOWED_HOSTS="isp.example.id")
    env.pop("SECRET_KEY", None)
    result = _check(env)
    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr
