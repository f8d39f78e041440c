import subprocess
import sys

import pytest

PROD = "config.settings.production"


def _check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": PROD}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


GOOD = {
    "SECRET_KEY": "x" * 20 + "-production-secret-key-that-is-long-enough-0123456789",
    "ALLOWED_HOSTS": "liftfund.example.org",
    "DATABASE_URL": "postgres://liftfund@127.0.0.1:5432/liftfund",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1maWVsZC1rZXktMzItYnl0ZXMhIQ==",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in GOOD.items() if k != missing}

    result = _check(env)

    assert result.returncode != 0
    assert missing.split("_")[0] in result.stderr


def test_production_passes_check_deploy():
    result = _check(GOOD, "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
